/**
 * Customer records for staff: search, the record with its shop orders and helpdesk tickets, the
 * timeline across channels, notes, contact edits, and the GDPR export and erasure.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { CallbackService } from '../../callback/service.ts';
import type { CustomerRecords } from '../../customers/index.ts';
import { ApiError } from '../api-errors.ts';
import { parseWith } from '../validate.ts';

const staffId = z.string().regex(/^[a-z][a-z0-9-]{0,31}$/, 'a staff id');
const text = (max: number) => z.string().trim().min(1).max(max);

/**
 * Who writes: a logged-in person is the author (they may not sign as someone else); a machine
 * client with the API token names the author.
 */
function authorOf(req: FastifyRequest, named: string | undefined): string {
  const who = req.staff;
  if (who?.via === 'session') {
    if (named !== undefined && named !== who.id) throw new ApiError('API_ERR_FORBIDDEN', 'you can only write as yourself');
    return who.id;
  }
  if (named === undefined) throw new ApiError('API_ERR_VALIDATION', undefined, [{ path: 'author', message: 'the author is required' }]);
  return named;
}

export function registerCustomerRoutes(app: FastifyInstance, records: CustomerRecords, callbacks?: CallbackService): void {
  const customerOf = async (params: unknown) => {
    const { id } = parseWith(z.object({ id: z.uuid() }), params);
    const customer = await records.get(id);
    if (!customer) throw new ApiError('API_ERR_NOT_FOUND', `no customer ${id}`);
    return customer;
  };

  app.get('/api/customers', async (req) => {
    const q = parseWith(z.strictObject({ q: text(200), limit: z.coerce.number().int().min(1).max(100).default(20) }), req.query);
    return records.search(q.q, q.limit);
  });

  // Orders and tickets come from the shop and the helpdesk: null when they did not answer.
  app.get('/api/customers/:id', async (req) => {
    const customer = await customerOf(req.params);
    const [orders, tickets] = await Promise.all([records.ordersOf(customer), records.ticketsOf(customer)]);
    return { ...customer, orders, tickets };
  });

  app.get('/api/customers/:id/timeline', async (req) => {
    const customer = await customerOf(req.params);
    return { customer, entries: (await records.timeline(customer.id)) ?? [] };
  });

  app.post('/api/customers/:id/notes', async (req, reply) => {
    const customer = await customerOf(req.params);
    const b = parseWith(z.strictObject({ author: staffId.optional(), body: text(5000) }), req.body);
    return reply.code(201).send(await records.addNote(customer.id, authorOf(req, b.author), b.body));
  });

  app.patch('/api/customers/:id', async (req) => {
    const customer = await customerOf(req.params);
    const b = parseWith(
      z
        .strictObject({
          author: staffId.optional(),
          name: text(200).optional(),
          company: text(200).optional(),
          phone: text(32).optional(),
          email: z.email().max(200).optional(),
        })
        .refine((x) => x.name ?? x.company ?? x.phone ?? x.email, 'nothing to change'),
      req.body,
    );
    const phone = b.phone === undefined ? undefined : records.phoneOf(b.phone);
    if (b.phone !== undefined && !phone)
      throw new ApiError('API_ERR_VALIDATION', 'not a valid phone number', [{ path: 'phone', message: 'not a valid phone number' }]);
    return records.edit(customer.id, { name: b.name, company: b.company, phone, email: b.email }, authorOf(req, b.author));
  });

  /** Right of access: everything held, as one JSON document to hand to the customer. */
  app.get('/api/customers/:id/export', async (req, reply) => {
    const customer = await customerOf(req.params);
    reply.header('Content-Disposition', `attachment; filename="client-${customer.id}.json"`);
    return records.export(customer.id);
  });

  /** Right to erasure; open callbacks to their numbers are cancelled first. */
  app.delete('/api/customers/:id', async (req, reply) => {
    const customer = await customerOf(req.params);
    await records.erase(customer.id, async ({ phones }) => {
      if (!callbacks) return;
      const open = await callbacks.list({ statuses: ['scheduled', 'queued'], limit: 10_000 });
      for (const cb of open.filter((c) => phones.includes(c.number))) await callbacks.cancel(cb.id);
    });
    return reply.code(204).send();
  });
}
