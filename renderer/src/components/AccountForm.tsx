/**
 * Add or edit one account. The engine validates as the user types (debounced) and on save; each
 * message sits under its field. "Test connection" gets a token with the form's values without
 * saving them. Secrets are write-only: a stored one is sent again only when the user replaces it.
 */
import type { JSX } from 'preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { AccountView, Settings, TestResult, ValidationIssue } from '../../../preload/contract.js';
import { errorMessage, tokentray } from '../api.js';
import { buildInput, initialValues, issuesByField, issueText, switchPreset } from '../form-model.js';
import {
  presetSpec,
  visibleFields,
  type FieldSpec,
  type FormValue,
  type FormValues,
  type Preset,
} from '../presets.js';
import { signInKindOfGrant, newSignInId } from '../sign-in.js';
import { Field, fieldId, type SecretStatus } from './Field.js';
import { FormSignInHint, FormSignInProgress } from './FormSignIn.js';
import { Icon } from './icons.js';
import { PresetPicker } from './PresetPicker.js';
import { TestResultView } from './TestResultView.js';

/** How long typing may pause before the engine checks the form. */
export const VALIDATE_DEBOUNCE_MS = 150;

export interface AccountFormProps {
  /** The saved account being edited; absent when adding. */
  view?: AccountView;
  settings: Settings | null;
  cliCommand: string;
  onSaved: (view: AccountView) => void;
  onCancel: () => void;
  /** Told whenever the form starts or stops differing from what it opened with. */
  onDirtyChange?: (dirty: boolean) => void;
}

/** The add/edit form. */
export function AccountForm({
  view,
  settings,
  cliCommand,
  onSaved,
  onCancel,
  onDirtyChange,
}: AccountFormProps): JSX.Element {
  const api = tokentray()!;
  const originalName = view?.name ?? null;
  const [preset, setPreset] = useState<Preset | null>(view?.preset ?? null);
  const [values, setValues] = useState<FormValues>(() => (view ? initialValues(view.preset, view) : {}));
  const [touched, setTouched] = useState<ReadonlySet<string>>(new Set());
  const [submitted, setSubmitted] = useState(false);
  const [issues, setIssues] = useState<ValidationIssue[]>([]);
  const [replacing, setReplacing] = useState<ReadonlySet<string>>(new Set());
  const [busy, setBusy] = useState<'save' | 'test' | null>(null);
  const [test, setTest] = useState<{ result: TestResult; at: number; signIn?: boolean } | null>(null);
  /** The running Test connection sign-in (an interactive grant), by the id main knows it under. */
  const [signInId, setSignInId] = useState<string | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const [advancedOpen, setAdvancedOpen] = useState(false);
  const validationSeq = useRef(0);
  const formRef = useRef<HTMLFormElement>(null);

  // Focus the first thing to fill in: the preset picker when adding, the name when editing.
  useEffect(() => {
    const first = formRef.current?.querySelector<HTMLElement>(
      view ? `#${fieldId('name')}` : 'input[name="preset"]',
    );
    first?.focus();
  }, [view]);

  // As-you-type validation with the engine's own schema; only the latest answer counts.
  useEffect(() => {
    if (!preset) return;
    const seq = ++validationSeq.current;
    const timer = setTimeout(() => {
      void api
        .validateAccount(buildInput(preset, values), originalName)
        .then((found) => {
          if (seq === validationSeq.current) setIssues(found);
        })
        .catch((error: unknown) => setFailure(errorMessage(error)));
    }, VALIDATE_DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [api, preset, values, originalName]);

  // Dirty: the form would save something other than what it opened with (a new account's defaults).
  const dirty = useMemo(() => {
    if (!preset) return false;
    const baseline = view ? initialValues(view.preset, view) : initialValues(preset);
    return JSON.stringify(buildInput(preset, values)) !== JSON.stringify(buildInput(preset, baseline));
  }, [preset, values, view]);
  useEffect(() => onDirtyChange?.(dirty), [dirty, onDirtyChange]);
  useEffect(() => () => onDirtyChange?.(false), [onDirtyChange]);

  // Bring a fresh test answer into view and focus it (the button's place is kept: it stays enabled).
  useEffect(() => {
    if (!test) return;
    formRef.current?.querySelector('.test-area')?.scrollIntoView({ block: 'nearest' });
    formRef.current?.querySelector<HTMLElement>('#test-result-title, [data-testid="error-box"]')?.focus();
  }, [test]);

  const fields = useMemo(() => (preset ? visibleFields(preset, values) : []), [preset, values]);
  const grouped = useMemo(() => issuesByField(issues, preset), [issues, preset]);
  const shownFor = (field: FieldSpec): string[] =>
    submitted || touched.has(field.name)
      ? (grouped.get(field.name) ?? []).map((issue) => issueText(issue, field, preset))
      : [];
  const advanced = fields.filter((f) => f.advanced);
  const advancedHasErrors = advanced.some((f) => shownFor(f).length > 0);

  function secretStatus(field: FieldSpec): SecretStatus {
    if (!view || field.kind !== 'secret') return 'none';
    if (view.lockedSecrets.includes(field.name)) return 'locked';
    return view.storedSecrets.includes(field.name) ? 'stored' : 'none';
  }

  function change(name: string, value: FormValue): void {
    setValues((old) => ({ ...old, [name]: value }));
    setTest(null);
  }

  /** A field's messages show once the user has left it: not while typing its first letters. */
  function leave(name: string): void {
    setTouched((old) => (old.has(name) ? old : new Set([...old, name])));
  }

  function choosePreset(next: Preset): void {
    setValues((old) => switchPreset(next, preset, old));
    setPreset(next);
    setIssues([]);
    setTest(null);
  }

  function setReplace(name: string, on: boolean): void {
    setReplacing((old) => {
      const next = new Set(old);
      if (on) next.add(name);
      else next.delete(name);
      return next;
    });
    if (!on) setValues((old) => ({ ...old, [name]: '' }));
    // Move focus into the new input (or back to the Replace button) once it renders.
    setTimeout(() => document.getElementById(fieldId(name))?.focus(), 0);
  }

  /** Validates now (not debounced) and shows every message. */
  async function validateNow(current: Preset): Promise<ValidationIssue[]> {
    const seq = ++validationSeq.current;
    const found = await api.validateAccount(buildInput(current, values), originalName);
    if (seq === validationSeq.current) setIssues(found);
    setSubmitted(true);
    return found;
  }

  function focusFirstInvalid(found: ValidationIssue[], current: Preset): void {
    const byField = issuesByField(found, current);
    const first = visibleFields(current, values).find((f) => byField.has(f.name));
    if (first?.advanced) setAdvancedOpen(true);
    setTimeout(() => {
      const target = first
        ? document.getElementById(fieldId(first.name))
        : formRef.current?.querySelector<HTMLElement>('.form-issues');
      target?.focus();
    }, 0);
  }

  async function run(kind: 'save' | 'test'): Promise<void> {
    if (busy) return;
    setFailure(null);
    if (!preset) {
      setSubmitted(true);
      formRef.current?.querySelector<HTMLElement>('input[name="preset"]')?.focus();
      return;
    }
    setBusy(kind);
    try {
      const found = await validateNow(preset);
      if (found.length > 0) {
        setTest(null);
        focusFirstInvalid(found, preset);
        return;
      }
      const input = buildInput(preset, values);
      if (kind === 'test') {
        const id = signInKind ? newSignInId() : null;
        setSignInId(id);
        const result = await api.testConnection(input, originalName, id);
        setTest({ result, at: Date.now(), signIn: id !== null });
        return;
      }
      const result = await api.saveAccount(input, originalName);
      if (result.ok) onSaved(result.account);
      else {
        setIssues(result.issues);
        focusFirstInvalid(result.issues, preset);
      }
    } catch (error) {
      setFailure(errorMessage(error));
    } finally {
      setBusy(null);
      setSignInId(null);
    }
  }

  const spec = preset ? presetSpec(preset) : null;
  // A grant that needs a person: Sign in… takes Test connection's place.
  const signInKind = preset ? signInKindOfGrant(values.grantType) : null;
  const formIssues = submitted ? (grouped.get('') ?? []) : [];
  const presetIssue = submitted && !preset ? 'Choose the kind of account first.' : undefined;
  const name = typeof values.name === 'string' && values.name.trim() ? values.name.trim() : 'NAME';
  const renderField = (field: FieldSpec) => (
    <Field
      key={field.name}
      spec={field}
      value={values[field.name] ?? ''}
      onChange={(value) => change(field.name, value)}
      onLeave={() => leave(field.name)}
      errors={shownFor(field)}
      secretStatus={secretStatus(field)}
      replacing={replacing.has(field.name)}
      onReplace={(on) => setReplace(field.name, on)}
      placeholder={
        field.name === 'notifyBeforeSeconds' && settings
          ? String(settings.defaultNotifyBeforeSeconds)
          : undefined
      }
    />
  );

  return (
    <form
      ref={formRef}
      class="account-form"
      aria-labelledby="form-title"
      noValidate
      onSubmit={(event) => {
        event.preventDefault();
        void run('save');
      }}
      onKeyDown={(event) => {
        if (event.key === 'Escape' && !event.defaultPrevented) {
          event.preventDefault();
          onCancel();
        }
      }}
    >
      <div class="form-scroll">
        <header class="pane-header">
          <h2 id="form-title" tabIndex={-1}>
            {view ? `Edit ${view.name}` : 'Add account'}
          </h2>
          {view && spec && (
            <p class="muted">
              {spec.title} · {spec.help}
            </p>
          )}
        </header>

        {!view && <PresetPicker value={preset} onChange={choosePreset} error={presetIssue} />}

        {spec && (
          <p class="doc-line" data-testid="preset-doc">
            <Icon name="info" /> Follows {spec.doc}
          </p>
        )}

        {formIssues.length > 0 && (
          <div class="callout danger form-issues" tabIndex={-1} role="alert">
            <Icon name="alert" class="callout-icon" />
            <div class="callout-body">
              {formIssues.map((issue) => (
                <p key={`${issue.field}:${issue.message}`}>{issueText(issue, undefined, preset)}</p>
              ))}
            </div>
          </div>
        )}

        {spec && (
          <div class="fields">
            {fields.filter((f) => !f.advanced && f.kind !== 'checkbox').map(renderField)}
            {advanced.length > 0 && (
              <details
                class="advanced"
                open={advancedOpen || advancedHasErrors}
                onToggle={(event) => setAdvancedOpen((event.currentTarget as HTMLDetailsElement).open)}
              >
                <summary>Advanced</summary>
                <div class="fields">{advanced.map(renderField)}</div>
              </details>
            )}
            {fields.filter((f) => f.kind === 'checkbox').map(renderField)}
            <p class="help cli-hint">
              {values.cliAccess === true ? 'Scripts run ' : 'When allowed, scripts run '}
              <code class="command">{`${cliCommand} token ${name}`}</code>
            </p>
          </div>
        )}

        {/* One short line for screen readers; the answer itself gets the focus when it comes. */}
        <p class="visually-hidden" aria-live="polite" data-testid="test-status">
          {busy === 'test'
            ? signInId !== null
              ? ''
              : 'Requesting a token…'
            : test
              ? test.result.ok
                ? 'Connection works: a token was issued.'
                : test.signIn
                  ? 'Sign-in failed.'
                  : 'Connection failed.'
              : ''}
        </p>
        <div class="test-area">
          {busy === 'test' && signInId !== null && <FormSignInProgress id={signInId} />}
          {busy === 'test' && signInId === null && (
            <p class="muted" aria-hidden="true">
              Requesting a token…
            </p>
          )}
          {signInKind && busy !== 'test' && !test && <FormSignInHint kind={signInKind} />}
          {test && <TestResultView result={test.result} now={test.at} signIn={test.signIn} />}
          {failure && (
            <div class="callout danger" role="alert">
              <Icon name="alert" class="callout-icon" />
              <div class="callout-body">
                <p class="callout-title">Something went wrong</p>
                <p>{failure}</p>
              </div>
            </div>
          )}
        </div>
      </div>

      <footer class="form-actions">
        <button
          type="button"
          class="button"
          disabled={!spec}
          aria-disabled={busy !== null}
          onClick={() => void run('test')}
        >
          <Icon name="key" />{' '}
          {busy === 'test'
            ? signInKind
              ? 'Signing in…'
              : 'Testing…'
            : signInKind
              ? 'Sign in…'
              : 'Test connection'}
        </button>
        <span class="spacer" />
        <button type="button" class="button ghost" onClick={onCancel}>
          Cancel
        </button>
        <button
          type="submit"
          class="button primary"
          aria-disabled={busy !== null}
          aria-busy={busy === 'save'}
        >
          {busy === 'save' ? 'Saving…' : view ? 'Save changes' : 'Save account'}
        </button>
      </footer>
    </form>
  );
}
