/**
 * The record's pure rules: when two records are one customer, which survives a merge, and the
 * tier a shop customer's groups give.
 */

export type Tier = 'premium' | 'basic';

/** What the merge rule looks at in a record. */
export interface RecordFacts {
  id: string;
  /** Epoch ms. */
  createdAt: number;
  /** The shop customer it is matched with, if any. */
  shopId: string | null;
}

export type MergeDecision =
  { merge: true; survivor: string; absorbed: string } | { merge: false; reason: 'same-record' | 'different-shop-customers' };

/**
 * Two records found to share an identity (the caller's number is also the chat visitor's): one
 * customer, unless each is a different shop account (a family or an office sharing a phone are
 * several customers). The record matched with the shop survives, else the older one, so the ids
 * staff have seen longest keep working (the absorbed one points to the survivor).
 */
export function mergeDecision(a: RecordFacts, b: RecordFacts): MergeDecision {
  if (a.id === b.id) return { merge: false, reason: 'same-record' };
  if (a.shopId && b.shopId && a.shopId !== b.shopId) return { merge: false, reason: 'different-shop-customers' };
  const [survivor, absorbed] =
    Boolean(a.shopId) !== Boolean(b.shopId) ? (a.shopId ? [a, b] : [b, a]) : a.createdAt <= b.createdAt ? [a, b] : [b, a];
  return { merge: true, survivor: survivor.id, absorbed: absorbed.id };
}

/** A shop customer's tier: premium when any of their groups is one of `premiumGroups`. */
export function tierOf(groups: readonly number[], premiumGroups: readonly number[]): Tier {
  return groups.some((g) => premiumGroups.includes(g)) ? 'premium' : 'basic';
}

/** The better of two tiers (a merge keeps the customer's best). */
export function higherTier(a: Tier, b: Tier): Tier {
  return a === 'premium' || b === 'premium' ? 'premium' : 'basic';
}
