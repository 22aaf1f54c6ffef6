/**
 * A device code sign-in under way (RFC 8628): the code to type, large and selectable, with Copy
 * code (main copies it), the page to type it on (opened by main), how long the code lasts, and
 * Cancel.
 */
import type { JSX } from 'preact';
import type { SignInPrompt } from '../../../preload/contract.js';
import { formatDuration } from '../time.js';
import { Icon } from './icons.js';

type DevicePrompt = Extract<SignInPrompt, { stage: 'device-code' }>;

export interface DeviceCodeViewProps {
  prompt: DevicePrompt;
  now: number;
  /** How often Tokentray asked the server so far. */
  polls: number;
  /** The server answered, the token is being fetched. */
  finishing: boolean;
  copied: boolean;
  onCopy: () => void;
  onOpenPage: () => void;
  onCancel: () => void;
}

/** The code, the link, the countdown and the actions. */
export function DeviceCodeView({
  prompt,
  now,
  polls,
  finishing,
  copied,
  onCopy,
  onOpenPage,
  onCancel,
}: DeviceCodeViewProps): JSX.Element {
  const left = Math.max(0, (Date.parse(prompt.expiresAt) - now) / 1000);
  return (
    <div class="device-code" data-testid="device-code">
      <p class="sign-in-step" id="device-code-help">
        On this or any other device, open{' '}
        <code class="sign-in-link" data-testid="verification-uri">
          {prompt.verificationUri}
        </code>{' '}
        and enter this code:
      </p>
      <p class="user-code" data-testid="user-code" aria-describedby="device-code-help">
        <span class="visually-hidden">Code: </span>
        {prompt.userCode}
      </p>
      <div class="sign-in-actions">
        <button type="button" class="button primary" data-autofocus onClick={onCopy}>
          <Icon name={copied ? 'check' : 'copy'} /> {copied ? 'Code copied' : 'Copy code'}
        </button>
        <button type="button" class="button" onClick={onOpenPage}>
          Open the page
        </button>
        <button type="button" class="button ghost" onClick={onCancel}>
          <Icon name="x" /> Cancel
        </button>
      </div>
      <p class="help" data-testid="device-code-expiry">
        {finishing
          ? 'Approved: getting the token…'
          : left > 0
            ? `The code expires in ${formatDuration(left)}. Tokentray checks every ${prompt.intervalSeconds} s${polls > 0 ? ` (asked ${polls} ${polls === 1 ? 'time' : 'times'} so far)` : ''}.`
            : 'The code has expired.'}
      </p>
    </div>
  );
}
