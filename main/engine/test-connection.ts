/** "Test connection": a token obtained with the values of a form, without saving anything. */
import { iso, type Runtime } from './account-state.js';
import { splitSecrets, validateAccountInput } from './accounts/schema.js';
import { toErrorInfo } from './errors.js';
import { decodeJwt } from './jwt.js';
import { redact } from './log.js';
import { flowFor, type FlowContext } from './providers/index.js';
import { secretReader } from './records.js';
import type { AccountInput, Cipher, TestResult } from './types.js';

/** Runs the input's flow once; `existing` lends the stored secrets the input leaves out. */
export async function runConnectionTest(
  ports: { flowContext: FlowContext; cipher: Cipher },
  input: AccountInput,
  existing: Runtime | undefined,
): Promise<TestResult> {
  const outcome = validateAccountInput(input, {
    storedSecrets: existing ? Object.keys(existing.record.secrets) : [],
  });
  if (!outcome.ok) {
    return {
      ok: false,
      error: {
        code: 'validation',
        message: outcome.issues.map((i) => `${i.field}: ${i.message}`).join('; '),
        serverMessage: null,
        status: null,
      },
    };
  }
  const { settings, secrets } = splitSecrets(outcome.definition);
  const known: string[] = [];
  try {
    const obtained = await flowFor(outcome.definition.preset).obtain(ports.flowContext, {
      settings,
      secret: secretReader(ports.cipher, existing ?? null, secrets, known),
      refreshToken: null,
    });
    const lifetime =
      obtained.expiresAt === null ? null : Math.round((obtained.expiresAt - obtained.obtainedAt) / 1000);
    return {
      ok: true,
      tokenType: obtained.tokenType,
      expiresAt: iso(obtained.expiresAt),
      lifetimeSeconds: lifetime,
      scope: obtained.scope,
      hasRefreshToken: obtained.refreshToken !== null,
      jwt: decodeJwt(obtained.accessToken),
    };
  } catch (error) {
    known.push(...Object.values(secrets));
    const info = toErrorInfo(error);
    return {
      ok: false,
      error: {
        ...info,
        message: redact(info.message, known),
        serverMessage: info.serverMessage === null ? null : redact(info.serverMessage, known),
      },
    };
  }
}
