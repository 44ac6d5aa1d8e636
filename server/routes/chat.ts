/**
 * The chat's public HTTP side: the widget's configuration per site, the widget's scripts (built
 * at start), the demo's shop and helpdesk pages that embed it, and the agents' minimal chat page.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Config } from '../../config/load.ts';
import { MAX_TEXT, type WidgetConfig } from '../../chat/protocol.ts';
import { cleanName, sniffType } from '../../chat/attachments.ts';
import type { Chat } from '../../chat/index.ts';
import { ApiError } from '../api-errors.ts';
import { parseWith } from '../validate.ts';

const WEB = fileURLToPath(new URL('../../web/', import.meta.url));

export interface ChatRoutesDeps {
  config: Config;
  /** Folder holding the built loader.js and widget.js. */
  widgetDir: string;
  isOpen: () => boolean;
  /** Per team: someone could take a chat now. */
  online: (team: string) => Promise<boolean>;
  chat: Pick<Chat, 'attachments' | 'opener'>;
  /** Whether the conversation still takes messages. */
  isOpenConversation: (id: string) => Promise<boolean>;
  /** The staff member a request's console session proves (throws 401/403 like any staff route). */
  staffOf?: (req: import('fastify').FastifyRequest) => Promise<{ id: string }>;
}

export function registerChatRoutes(app: FastifyInstance, d: ChatRoutesDeps): void {
  const chat = d.config.chat!;

  app.get('/chat/config', async (req, reply): Promise<WidgetConfig> => {
    const { site } = parseWith(z.object({ site: z.string().max(40) }), req.query);
    const def = Object.hasOwn(chat.sites, site) ? chat.sites[site] : undefined;
    if (!def) throw new ApiError('API_ERR_NOT_FOUND', `no chat site ${site}`);
    const topics = (def.topics ?? Object.keys(d.config.teams)).map((id) => ({ id, name: d.config.teams[id]!.name }));
    const open = d.isOpen();
    const online = Object.fromEntries(await Promise.all(topics.map(async (t) => [t.id, open && (await d.online(t.id))] as const)));
    // Read by pages of other origins (the shop): public, and short-lived (presence changes).
    reply.header('Access-Control-Allow-Origin', '*').header('Cache-Control', 'no-store');
    return {
      company: d.config.company.name,
      color: chat.color,
      logo: chat.logo ?? null,
      topics,
      open,
      online,
      maxText: MAX_TEXT,
      maxAttachmentBytes: chat.attachments.maxBytes,
      video: d.config.video ? { visitorsMayPropose: d.config.video.visitorsMayPropose } : null,
    };
  });

  registerAttachmentRoutes(app, d);

  const file = (path: string, type: string, cache: string) => async (_req: unknown, reply: import('fastify').FastifyReply) => {
    const body = await readFile(path).catch(() => null);
    if (!body) throw new ApiError('API_ERR_NOT_FOUND');
    // The widget is loaded by the customer's pages, on other origins: import() is a CORS request.
    return reply.type(type).header('Cache-Control', cache).header('Access-Control-Allow-Origin', '*').send(body);
  };
  const js = 'text/javascript; charset=utf-8';
  const html = 'text/html; charset=utf-8';
  // The loader is referenced by a fixed URL in host pages: revalidated often; it loads the widget.
  app.get('/widget/loader.js', file(join(d.widgetDir, 'loader.js'), js, 'public, max-age=300'));
  app.get('/widget/widget.js', file(join(d.widgetDir, 'widget.js'), js, 'public, max-age=300'));
  // The call (mediasoup-client), imported by widget.js only when a video call starts.
  app.get('/widget/video.js', file(join(d.widgetDir, 'video.js'), js, 'public, max-age=300'));
  app.get('/demo/shop', file(join(WEB, 'demo', 'shop.html'), html, 'no-cache'));
  app.get('/demo/helpdesk', file(join(WEB, 'demo', 'helpdesk.html'), html, 'no-cache'));
  // The minimal agents' page of the chat's first step became the console.
  app.get('/agent/', async (_req, reply) => reply.redirect('/console/'));
}

/**
 * Files in a conversation: uploaded raw (`POST /chat/attachments`), typed by their content, and
 * served only to that conversation's visitor or agent, as downloads that the browser never
 * sniffs or runs.
 */
function registerAttachmentRoutes(app: FastifyInstance, d: ChatRoutesDeps): void {
  const maxBytes = d.config.chat!.attachments.maxBytes;
  const opener = async (req: import('fastify').FastifyRequest) => {
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const agent = req.headers['x-relais-agent'];
    const { conversation } = req.query as { conversation?: string };
    // The console sends its session cookie and no Authorization header.
    const staff = !req.headers.authorization && req.headers.cookie && d.staffOf ? (await d.staffOf(req)).id : undefined;
    const who = await d.chat.opener({ bearer, agent: typeof agent === 'string' ? agent : undefined, staff, conversation });
    if (!who) throw new ApiError('API_ERR_UNAUTHENTICATED', 'a conversation token, or an agent of this conversation, is required');
    return who;
  };
  app.register(async (scope) => {
    // The widget runs on the customer's pages (other origins) and sends Authorization: a CORS
    // preflight, and the header on every answer, errors included, so the widget can read them.
    scope.addHook('onSend', async (_req, reply) => {
      reply.header('Access-Control-Allow-Origin', '*');
    });
    scope.options('/chat/attachments', preflight);
    scope.options('/chat/attachments/:id', preflight);
    // Raw bytes, whatever the declared type: the content decides (sniffType).
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: Math.max(maxBytes, 1) }, (_req, body, done) => done(null, body));
    scope.post('/chat/attachments', async (req, reply) => {
      if (maxBytes === 0) throw new ApiError('API_ERR_NOT_FOUND', 'attachments are turned off');
      const who = await opener(req);
      if (!(await d.isOpenConversation(who.conversationId))) throw new ApiError('API_ERR_CONFLICT', 'this conversation is over');
      const data = req.body;
      if (!Buffer.isBuffer(data) || data.length === 0) throw new ApiError('API_ERR_VALIDATION', 'the request body must be the file');
      const type = sniffType(data);
      if (!type) throw new ApiError('API_ERR_UNSUPPORTED_TYPE', 'only images (PNG, JPEG, GIF, WebP) and PDF files are accepted');
      const name = cleanName(req.headers['x-filename'] as string | undefined, type);
      const view = await d.chat.attachments.save(who.conversationId, { name, type, data, by: who.by });
      return reply.code(201).send(view);
    });
    scope.get<{ Params: { id: string } }>('/chat/attachments/:id', async (req, reply) => {
      const id = parseWith(z.uuid(), req.params.id);
      const who = await opener(req);
      const file = await d.chat.attachments.get(who.conversationId, id);
      if (!file) throw new ApiError('API_ERR_NOT_FOUND', 'no such file in this conversation');
      const disposition = file.type.startsWith('image/') ? 'inline' : 'attachment';
      return reply
        .type(file.type)
        .header('Content-Disposition', `${disposition}; filename*=UTF-8''${encodeURIComponent(file.name)}`)
        .header('X-Content-Type-Options', 'nosniff')
        .header('Content-Security-Policy', "default-src 'none'; sandbox")
        .header('Cache-Control', 'private, max-age=3600')
        .send(file.data);
    });
  });
}

const preflight = async (_req: unknown, reply: import('fastify').FastifyReply) =>
  reply
    .code(204)
    .header('Access-Control-Allow-Methods', 'GET, POST')
    .header('Access-Control-Allow-Headers', 'Authorization, X-Filename, X-Relais-Agent, Content-Type')
    .header('Access-Control-Max-Age', '600')
    .send();
