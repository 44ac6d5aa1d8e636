/**
 * Changes to customer records made from the console, and a tick the customer panel follows to
 * show them (a note added from a chat appears beside it at once).
 */
import { signal } from '@preact/signals';
import { api } from '../api.ts';

export const recordsChanged = signal(0);

export async function addNote(customerId: string, body: string): Promise<void> {
  await api.post(`/api/customers/${customerId}/notes`, { body });
  recordsChanged.value++;
}
