/** Which issuer a discovery document must name (providers/issuer.ts): RFC 8414 equality, or exactly Microsoft's documented exceptions. */
import { describe, expect, it } from 'vitest';
import { describeIssuerRule, issuerToExpect, type IssuerRule } from '../../main/engine/providers/issuer.js';

const AUTHORITY = 'https://login.microsoftonline.com';
const TENANT_ID = '8eaef023-2b34-4da1-9baa-8bc8c9d6a490';

describe('issuerToExpect', () => {
  it('holds a document to the issuer it was fetched for (RFC 8414 §3.3)', () => {
    const fetchedFor = `${AUTHORITY}/${TENANT_ID}/v2.0`;
    expect(issuerToExpect({ kind: 'exact' }, fetchedFor, 'https://elsewhere.example')).toEqual({
      expected: fetchedFor,
      known: true,
    });
  });

  it('takes exactly the placeholder, and the issuer is then unknown', () => {
    const rule: IssuerRule = { kind: 'placeholder', issuer: `${AUTHORITY}/{tenantid}/v2.0` };
    expect(issuerToExpect(rule, `${AUTHORITY}/organizations/v2.0`, `${AUTHORITY}/{tenantid}/v2.0`)).toEqual({
      expected: `${AUTHORITY}/{tenantid}/v2.0`,
      known: false,
    });
    // Whatever the document names, it is held to the placeholder (oauth4webapi then compares).
    expect(
      issuerToExpect(rule, `${AUTHORITY}/common/v2.0`, 'https://evil.example/{tenantid}/v2.0')?.expected,
    ).toBe(`${AUTHORITY}/{tenantid}/v2.0`);
  });

  it('takes a tenant ID issuer on the same authority for a tenant named by its domain, and then knows it', () => {
    const rule: IssuerRule = { kind: 'tenant-id', prefix: `${AUTHORITY}/`, suffix: '/v2.0' };
    const fetchedFor = `${AUTHORITY}/contoso.onmicrosoft.com/v2.0`;
    expect(issuerToExpect(rule, fetchedFor, `${AUTHORITY}/${TENANT_ID}/v2.0`)).toEqual({
      expected: `${AUTHORITY}/${TENANT_ID}/v2.0`,
      known: true,
    });
    for (const named of [
      `https://login.example.com/${TENANT_ID}/v2.0`,
      `${AUTHORITY}/${TENANT_ID}/v2.0/extra`,
      `${AUTHORITY}/contoso.onmicrosoft.com/v2.0x`,
      `${AUTHORITY}/{tenantid}/v2.0`,
      `${AUTHORITY}/${TENANT_ID}`,
      undefined,
      42,
    ])
      expect(issuerToExpect(rule, fetchedFor, named), String(named)).toBeNull();
    expect(describeIssuerRule(rule, fetchedFor)).toBe(`${AUTHORITY}/<tenant ID>/v2.0`);
  });
});
