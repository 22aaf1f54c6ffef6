/**
 * One form field of any kind, with its label, help and the engine's messages underneath. Secret
 * fields are write-only: a stored value shows as "Stored · Replace", never as text.
 */
import type { JSX, TargetedEvent } from 'preact';
import { useState } from 'preact/hooks';
import type { FieldSpec, FormValue, KeyValueRow } from '../presets.js';
import { Icon } from './icons.js';

export type SecretStatus = 'none' | 'stored' | 'locked';

export interface FieldProps {
  spec: FieldSpec;
  value: FormValue;
  onChange: (value: FormValue) => void;
  /** Messages to show under the field (already turned into sentences). */
  errors: string[];
  /** For secret fields of a saved account. */
  secretStatus?: SecretStatus;
  /** True while the user replaces a stored secret. */
  replacing?: boolean;
  onReplace?: (replacing: boolean) => void;
  /** Placeholder override (e.g. the default lead time from Settings). */
  placeholder?: string;
  /** Focus left the field (its messages show from then on). */
  onLeave?: () => void;
}

/** The DOM id of a field's input. */
export function fieldId(name: string): string {
  return `field-${name}`;
}

function SecretInput({
  id,
  spec,
  value,
  onChange,
  describedBy,
  invalid,
}: {
  id: string;
  spec: FieldSpec;
  value: string;
  onChange: (value: string) => void;
  describedBy: string;
  invalid: boolean;
}): JSX.Element {
  const [shown, setShown] = useState(false);
  const common = {
    id,
    name: spec.name,
    value,
    'aria-describedby': describedBy,
    'aria-invalid': invalid,
    'aria-required': spec.required,
    autoComplete: 'off',
    spellcheck: false,
    autoCapitalize: 'off' as const,
    onInput: (event: TargetedEvent<HTMLInputElement | HTMLTextAreaElement>) =>
      onChange(event.currentTarget.value),
  };
  return (
    <div class="secret-input">
      {spec.multiline ? (
        <textarea {...common} rows={4} class={shown ? 'input mono' : 'input mono masked'} />
      ) : shown ? (
        <input {...common} type="text" class="input" />
      ) : (
        <input {...common} type="password" class="input" />
      )}
      <button
        type="button"
        class="icon-button"
        aria-label={`Show ${spec.label}`}
        aria-pressed={shown}
        onClick={() => setShown(!shown)}
      >
        <Icon name={shown ? 'eyeOff' : 'eye'} />
      </button>
    </div>
  );
}

/** The two inputs of a key/value row: the row's property and the word its label and placeholder use. */
const KEY_VALUE_PARTS = [
  { part: 'key', word: 'name' },
  { part: 'value', word: 'value' },
] as const;

function KeyValueEditor({
  spec,
  rows,
  onChange,
  describedBy,
}: {
  spec: FieldSpec;
  rows: KeyValueRow[];
  onChange: (rows: KeyValueRow[]) => void;
  describedBy: string;
}): JSX.Element {
  const update = (index: number, patch: Partial<KeyValueRow>) =>
    onChange(rows.map((row, i) => (i === index ? { ...row, ...patch } : row)));
  return (
    <div
      class="keyvalue"
      id={fieldId(spec.name)}
      role="group"
      aria-labelledby={`${fieldId(spec.name)}-label`}
      aria-describedby={describedBy}
    >
      {rows.map((row, index) => (
        <div class="keyvalue-row" key={index}>
          {KEY_VALUE_PARTS.map(({ part, word }) => (
            <input
              key={part}
              class="input mono"
              aria-label={`Parameter ${index + 1} ${word}`}
              placeholder={word}
              value={row[part]}
              spellcheck={false}
              onInput={(event) => update(index, { [part]: event.currentTarget.value })}
            />
          ))}
          <button
            type="button"
            class="icon-button"
            aria-label={`Remove parameter ${index + 1}`}
            onClick={() => onChange(rows.filter((_, i) => i !== index))}
          >
            <Icon name="trash" />
          </button>
        </div>
      ))}
      <button
        type="button"
        class="button ghost small"
        onClick={() => onChange([...rows, { key: '', value: '' }])}
      >
        <Icon name="plus" /> Add parameter
      </button>
    </div>
  );
}

/** Renders one field; `data-field` on the wrapper lets tests and focus code find it. */
export function Field({
  spec,
  value,
  onChange,
  errors,
  secretStatus = 'none',
  replacing = false,
  onReplace,
  placeholder,
  onLeave,
}: FieldProps): JSX.Element {
  const id = fieldId(spec.name);
  const helpId = `${id}-help`;
  const errorId = `${id}-error`;
  const invalid = errors.length > 0;
  const describedBy = [
    spec.help ? helpId : '',
    invalid ? errorId : '',
    secretStatus === 'locked' ? `${id}-locked` : '',
  ]
    .filter(Boolean)
    .join(' ');
  const text = typeof value === 'string' ? value : '';
  /** A stored secret shows as "Stored · Replace": no input, so the label names a plain span. */
  const showsStored = spec.kind === 'secret' && secretStatus === 'stored' && !replacing;

  let control: JSX.Element;
  if (spec.kind === 'checkbox') {
    return (
      <div class="field checkbox-field" data-field={spec.name} onFocusOut={onLeave}>
        <label class="checkbox">
          <input
            id={id}
            type="checkbox"
            checked={value === true}
            aria-describedby={describedBy || undefined}
            onChange={(event) => onChange(event.currentTarget.checked)}
          />
          <span>{spec.label}</span>
        </label>
        {spec.help && (
          <p class="help" id={helpId}>
            {spec.help}
          </p>
        )}
        <FieldErrors id={errorId} errors={errors} />
      </div>
    );
  } else if (showsStored) {
    control = (
      <div class="stored-secret" id={id} tabIndex={-1}>
        <Icon name="lock" />
        <span>Stored</span>
        <span aria-hidden="true">·</span>
        <button
          type="button"
          class="link-button"
          aria-label={`Replace ${spec.label}`}
          onClick={() => onReplace?.(true)}
        >
          Replace
        </button>
      </div>
    );
  } else if (spec.kind === 'secret') {
    control = (
      <SecretInput
        id={id}
        spec={spec}
        value={text}
        onChange={onChange}
        describedBy={describedBy}
        invalid={invalid}
      />
    );
  } else if (spec.kind === 'select') {
    control = (
      <select
        id={id}
        name={spec.name}
        class="input"
        value={text}
        aria-describedby={describedBy || undefined}
        aria-invalid={invalid}
        onChange={(event) => onChange(event.currentTarget.value)}
      >
        {(spec.options ?? []).map((option) => (
          <option key={option.value} value={option.value}>
            {option.label}
          </option>
        ))}
      </select>
    );
  } else if (spec.kind === 'keyvalue') {
    control = (
      <KeyValueEditor
        spec={spec}
        rows={Array.isArray(value) ? value : []}
        onChange={onChange}
        describedBy={describedBy}
      />
    );
  } else {
    const listId = spec.suggestions ? `${id}-suggestions` : undefined;
    control = (
      <>
        <input
          id={id}
          name={spec.name}
          list={listId}
          class={spec.kind === 'url' || spec.name === 'tokenPath' ? 'input mono' : 'input'}
          type="text"
          inputMode={spec.kind === 'number' ? 'numeric' : spec.kind === 'url' ? 'url' : 'text'}
          value={text}
          placeholder={placeholder ?? spec.placeholder}
          autoComplete="off"
          spellcheck={false}
          autoCapitalize="off"
          aria-describedby={describedBy || undefined}
          aria-invalid={invalid}
          aria-required={spec.required}
          onInput={(event) => onChange(event.currentTarget.value)}
        />
        {spec.suggestions && (
          <datalist id={listId}>
            {spec.suggestions.map((option) => (
              <option key={option.value} value={option.value} label={option.label} />
            ))}
          </datalist>
        )}
      </>
    );
  }

  return (
    <div class={invalid ? 'field invalid' : 'field'} data-field={spec.name} onFocusOut={onLeave}>
      <div class="field-label-row">
        {spec.kind === 'keyvalue' || showsStored ? (
          <span class="label" id={`${id}-label`}>
            {spec.label}
          </span>
        ) : (
          <label class="label" for={id} id={`${id}-label`}>
            {spec.label}
          </label>
        )}
        {/* A select always has a value (its default), so "optional" would only puzzle. */}
        {!spec.required && spec.kind !== 'select' && <span class="optional">optional</span>}
        {spec.kind === 'secret' && replacing && (
          <button
            type="button"
            class="link-button small"
            aria-label={`Keep stored value (${spec.label})`}
            onClick={() => onReplace?.(false)}
          >
            Keep stored value
          </button>
        )}
      </div>
      {control}
      {secretStatus === 'locked' && (
        <p class="warning-text" id={`${id}-locked`}>
          <Icon name="alert" /> The stored value cannot be decrypted here: it needs to be entered again.
        </p>
      )}
      {spec.help && (
        <p class="help" id={helpId}>
          {spec.help}
        </p>
      )}
      <FieldErrors id={errorId} errors={errors} />
    </div>
  );
}

function FieldErrors({ id, errors }: { id: string; errors: string[] }): JSX.Element | null {
  if (errors.length === 0) return null;
  return (
    <div class="field-errors" id={id} data-testid="field-error">
      {errors.map((message) => (
        <p key={message} class="error-text">
          <Icon name="alert" />
          <span>{message}</span>
        </p>
      ))}
    </div>
  );
}
