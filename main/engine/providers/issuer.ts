/**
 * Which `issuer` a discovery document must name. RFC 8414 §3.3 and OpenID Connect Discovery §4.3:
 * exactly the issuer it was fetched for, so that one server's metadata cannot pass for another's.
 * Microsoft Entra ID answers otherwise in two documented cases (v2-protocols-oidc): its multi-tenant
 * authorities (`common`, `organizations`) name the placeholder `{authority}/{tenantid}/v2.0`, and a
 * tenant addressed by a domain (or `consumers`) names `{authority}/<tenant ID>/v2.0`. Those are
 * accepted in exactly that form, and nothing else is.
 */

export type IssuerRule =
  /** RFC 8414 §3.3: the document names the issuer it was fetched for. */
  | { kind: 'exact' }
  /**
   * The document names exactly `issuer`, a placeholder that no answer will carry: the issuer is
   * then unknown, so the `iss` of answers and ID tokens is not compared (and an ID token not used).
   */
  | { kind: 'placeholder'; issuer: string }
  /** The document names `{prefix}<a GUID>{suffix}`, which then is the issuer. */
  | { kind: 'tenant-id'; prefix: string; suffix: string };

const GUID = '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}';
const escaped = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/**
 * The issuer to hold the document to, given the one it names, or null when the rule refuses it;
 * `known` is false when answers cannot be checked against it (a placeholder).
 */
export function issuerToExpect(
  rule: IssuerRule,
  fetchedFor: string,
  named: unknown,
): { expected: string; known: boolean } | null {
  switch (rule.kind) {
    case 'exact':
      return { expected: fetchedFor, known: true };
    case 'placeholder':
      return { expected: rule.issuer, known: false };
    case 'tenant-id': {
      if (typeof named !== 'string') return null;
      const pattern = new RegExp(`^${escaped(rule.prefix)}${GUID}${escaped(rule.suffix)}$`);
      return pattern.test(named) ? { expected: named, known: true } : null;
    }
  }
}

/** What a rule accepts, for an error message. */
export function describeIssuerRule(rule: IssuerRule, fetchedFor: string): string {
  switch (rule.kind) {
    case 'exact':
      return fetchedFor;
    case 'placeholder':
      return rule.issuer;
    case 'tenant-id':
      return `${rule.prefix}<tenant ID>${rule.suffix}`;
  }
}
