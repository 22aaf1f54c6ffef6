/** The first step of adding an account: which kind it is, with each preset's help line and vendor document. */
import type { JSX } from 'preact';
import { PRESET_SPECS, type Preset } from '../presets.js';

/** A radio group of preset cards; arrow keys move between them as in any radio group. */
export function PresetPicker({
  value,
  onChange,
  error,
}: {
  value: Preset | null;
  onChange: (preset: Preset) => void;
  error?: string;
}): JSX.Element {
  return (
    <fieldset class="preset-picker" data-field="preset" aria-describedby={error ? 'preset-error' : undefined}>
      <legend class="label">Account type</legend>
      <div class="preset-grid">
        {PRESET_SPECS.map((preset) => (
          <label key={preset.id} class={value === preset.id ? 'preset-card checked' : 'preset-card'}>
            <input
              type="radio"
              name="preset"
              value={preset.id}
              checked={value === preset.id}
              aria-labelledby={`preset-title-${preset.id}`}
              aria-describedby={`preset-help-${preset.id}`}
              onChange={() => onChange(preset.id)}
            />
            <span class="preset-title" id={`preset-title-${preset.id}`}>
              {preset.title}
            </span>
            <span class="preset-help" id={`preset-help-${preset.id}`}>
              {preset.help}
            </span>
          </label>
        ))}
      </div>
      {error && (
        <p class="error-text" id="preset-error">
          {error}
        </p>
      )}
    </fieldset>
  );
}
