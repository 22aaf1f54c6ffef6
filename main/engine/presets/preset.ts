/**
 * A preset as the engine runs it: its plain definition (fields, help, vendor document, rules:
 * spec.ts) plus what only the engine does with it: the flow that gets and renews its tokens, where
 * its REST API lives for the curl and PowerShell formats, and, for the interactive grants, the
 * settings of a person's sign-in.
 */
import type { ClientSettings, EndpointSettings } from '../interactive/common.js';
import type { Flow } from '../providers/types.js';
import type { PresetDefinition } from './spec.js';

/** What signInWithAuthorizationCode (`browser`) or signInWithDeviceCode (`device`) is given. */
export interface InteractiveSettings {
  kind: 'browser' | 'device';
  endpoints: EndpointSettings;
  client: ClientSettings;
  /** Browser sign-in only: a fixed loopback redirect (else one on 127.0.0.1, port chosen at sign-in). */
  redirectUri?: string;
}

export type Settings = Readonly<Record<string, unknown>>;

export interface PresetSpec extends PresetDefinition {
  flow: Flow;
  /** The API a copied token is for, so "copy as curl" pastes something that runs. */
  apiBase(settings: Settings): string;
  /**
   * The sign-in for these settings when their grant needs a person, else null. `clientSecret` is
   * the account's stored secret, if any (public clients have none).
   */
  interactive?(settings: Settings, clientSecret: string | undefined): InteractiveSettings | null;
}
