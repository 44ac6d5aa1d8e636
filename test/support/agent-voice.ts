/**
 * What an agent says into the console's browser phone: a French sentence synthesised like Relais'
 * prompts, fed to Chromium as its fake microphone (looped). It differs from what sipp peers say,
 * so a check can tell the agent's voice from the caller's or a colleague's.
 */
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderPrompts } from '../../asterisk/prompts.ts';
import { parseWav, type Wav } from './audio.ts';

export interface AgentVoice {
  /** The Chromium switch that makes the fake microphone say it, over and over. */
  flag: string;
  /** What it says, 8 kHz mono: the reference to look for in what a peer received. */
  wav: Wav;
}

const SENTENCE = 'Bonjour, ici le support technique. Je regarde votre dossier et je vous passe un collègue, ne quittez pas.';

/** Rendered once per machine (the prompts' own cache), in the system's temporary folder. */
export async function agentVoice(): Promise<AgentVoice> {
  const { voice } = await renderPrompts({ voice: { text: SENTENCE } }, join(tmpdir(), 'relais-test-agent-voice'));
  return { flag: `--use-file-for-fake-audio-capture=${voice!.file}`, wav: parseWav(readFileSync(voice!.file)) };
}
