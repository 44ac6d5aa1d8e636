/**
 * extensions.conf. Two contexts and nothing else:
 * - `from-trunk`: every call from the ISP enters Relais' Stasis application. No Dial, no Goto
 *   elsewhere: a caller from outside can never make Asterisk dial out (toll fraud).
 * - `staff`: staff phones reach each other by extension. Only the extensions listed in the
 *   configuration exist; there is no pattern that reaches the trunk.
 */
import type { Config } from '../config/load.ts';
import { renderConf, type ConfSection } from '../asterisk/conf-file.ts';
import { CONTEXT_STAFF, CONTEXT_TRUNK, staffDialStrings } from '../asterisk/endpoints.ts';

/** Stasis application argument that marks a call from the public network. */
export const STASIS_ARG_INBOUND = 'inbound';

/** How long an internal call rings before it gives up. */
const INTERNAL_RING_SECONDS = 30;

/**
 * @param apologyPrompt file (without extension) played when Relais is not connected, so a
 *   caller is never left in silence.
 */
export function renderDialplan(config: Config, apologyPrompt: string, extraContexts: readonly ConfSection[] = []): string {
  const app = config.asterisk.ari.app;
  // Answered here, before Stasis: the caller is answered at once whatever the load on Relais
  // (bench/ measured ARI's answer request reaching over a second at 400 calls).
  const toIvr = (exten: string) =>
    [
      ['exten', `${exten},1,Answer()`],
      ['same', `n,Stasis(${app},${STASIS_ARG_INBOUND},\${EXTEN})`],
      ['same', 'n,GotoIf($["${STASISSTATUS}" != "FAILED"]?end)'],
      ['same', `n,Playback(${apologyPrompt})`],
      ['same', 'n(end),Hangup()'],
    ] as const;

  const trunk: ConfSection = {
    name: CONTEXT_TRUNK,
    comment: 'Calls from the ISP: to the IVR, whatever number was dialled. Nothing here dials out.',
    // `s` catches calls with no number; `_X.`, `_+X.` and `_X` every dialled number.
    entries: ['s', '_X', '_X.', '_+X.'].flatMap(toIvr),
  };

  const staff: ConfSection = {
    name: CONTEXT_STAFF,
    comment: 'Staff phones call each other by extension.',
    entries: Object.entries(config.staff).flatMap(([id, s]) => [
      ['exten', `${s.extension},1,Dial(${staffDialStrings(id).join('&')},${INTERNAL_RING_SECONDS})`] as const,
      ['same', 'n,Hangup()'] as const,
    ]),
  };

  return renderConf('Dialplan', [
    {
      name: 'general',
      entries: [
        ['static', true],
        ['writeprotect', true],
        ['clearglobalvars', true],
      ],
    },
    trunk,
    staff,
    ...extraContexts,
  ]);
}
