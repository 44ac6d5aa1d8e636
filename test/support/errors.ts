/** Asserting on a rejection's type, for the connectors' typed errors. */
import { expect } from 'vitest';

/** The error a call rejects with, checked to be a `type` (fails the test if it resolves or throws anything else). */
export async function rejection<E extends Error>(p: Promise<unknown>, type: new (...args: never[]) => E): Promise<E> {
  const err = await p.then(
    () => expect.fail('the call should have failed'),
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(type);
  return err as E;
}
