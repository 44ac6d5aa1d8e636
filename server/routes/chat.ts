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
    return { company: d.config.company.name, color: chat.color, logo: chat.logo ?? null, topics, open, online, maxText: MAX_TEXT };
  });

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
  app.get('/demo/shop', file(join(WEB, 'demo', 'shop.html'), html, 'no-cache'));
  app.get('/demo/helpdesk', file(join(WEB, 'demo', 'helpdesk.html'), html, 'no-cache'));
  app.get('/agent/', file(join(WEB, 'agent-lite', 'index.html'), html, 'no-cache'));
  app.get('/agent/agent.js', file(join(WEB, 'agent-lite', 'agent.js'), js, 'no-cache'));
}
