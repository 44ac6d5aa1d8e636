/**
 * What the loader hands to widget.js when it imports it, and what it gets back. Types only: the
 * two files are separate bundles.
 */
import type { SignedIdentity } from '../../chat/protocol.ts';

export interface MountOptions {
  /** The shadow root the loader drew the bubble in; the panel goes next to it. */
  root: ShadowRoot;
  /** The element carrying the brand custom properties. */
  host: HTMLElement;
  /** Where focus goes back when the panel closes. */
  bubble: HTMLButtonElement;
  /** The Relais origin, from the loader's own src. */
  origin: string;
  site: string;
  identity: SignedIdentity | null;
  /** Tells the loader the panel opened or closed (it updates the bubble). */
  onToggle(open: boolean): void;
  /** Unread agent messages while the panel is closed or the tab hidden (the bubble's badge). */
  onUnread(count: number): void;
}

export interface WidgetHandle {
  /** `focus: false` when restoring after a page change (do not steal the focus). */
  open(options?: { focus?: boolean }): void;
  close(): void;
  readonly isOpen: boolean;
}

export type Mount = (options: MountOptions) => WidgetHandle;
