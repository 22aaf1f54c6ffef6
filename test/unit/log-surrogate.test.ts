/** A secret with a lone surrogate (a JSON import can carry one) has its forms, not a URIError. */
import { describe, expect, it } from 'vitest';
import { basicCredentialForms, redact, secretForms } from '../../main/engine/log.js';

describe('a secret holding a lone surrogate', () => {
  it('has its forms listed instead of throwing URIError, the percent-encoded one as UTF-8 carries it', () => {
    const forms = secretForms('ab\ud800cd');
    expect(forms).toContain('ab\ud800cd');
    expect(forms).toContain('ab%EF%BF%BDcd');
    expect(forms).toContain('ab\\ud800cd');
    expect(() => basicCredentialForms('id\udc00', ['ab\ud800cd'])).not.toThrow();
    expect(redact('x ab%ef%bf%bdcd y', ['ab\ud800cd'])).toBe('x [redacted] y');
  });
});
