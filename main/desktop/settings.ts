/**
 * The app's settings and the window's bounds, kept as small JSON files in userData and written
 * atomically. A missing or damaged file yields the defaults, field by field.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { Settings } from '../../preload/contract.js';
import { writeFileAtomicSync } from './atomic-file.js';
import type { WindowBounds } from './window.js';

export const DEFAULT_SETTINGS: Settings = {
  clipboardClearSeconds: 45,
  defaultNotifyBeforeSeconds: 600,
  startAtLogin: false,
  persistWeakSecrets: false,
};

/** One schema for every settings field, used for the file and for the window's `setSettings` patch. */
export const settingsFieldSchemas = {
  clipboardClearSeconds: z.number().int().min(0).max(3600),
  defaultNotifyBeforeSeconds: z
    .number()
    .int()
    .min(0)
    .max(30 * 86_400),
  startAtLogin: z.boolean(),
  persistWeakSecrets: z.boolean(),
} satisfies { [K in keyof Settings]: z.ZodType<Settings[K]> };

export const settingsPatchSchema = z.object(settingsFieldSchemas).partial().strict();

const boundsSchema = z.object({
  x: z.number().int().optional(),
  y: z.number().int().optional(),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
});

function readJson(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return null;
  }
}

/** Reads settings from a parsed file: each valid field is kept, anything else falls back to its default. */
export function settingsFrom(raw: unknown): Settings {
  const record = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>) : {};
  const pick = <K extends keyof Settings>(key: K): Settings[K] => {
    const parsed = settingsFieldSchemas[key].safeParse(record[key]);
    return parsed.success ? (parsed.data as Settings[K]) : DEFAULT_SETTINGS[key];
  };
  return {
    clipboardClearSeconds: pick('clipboardClearSeconds'),
    defaultNotifyBeforeSeconds: pick('defaultNotifyBeforeSeconds'),
    startAtLogin: pick('startAtLogin'),
    persistWeakSecrets: pick('persistWeakSecrets'),
  };
}

export interface SettingsStore {
  get(): Settings;
  /** Applies a validated patch, saves it, tells the listeners; returns the new settings. */
  set(patch: Partial<Settings>): Settings;
  onChange(listener: (next: Settings, previous: Settings) => void): () => void;
  loadBounds(): WindowBounds | null;
  saveBounds(bounds: WindowBounds): void;
}

/** Opens the settings kept in `dir` (userData). */
export function openSettingsStore(dir: string): SettingsStore {
  const settingsFile = path.join(dir, 'settings.json');
  const boundsFile = path.join(dir, 'window-state.json');
  let current = settingsFrom(readJson(settingsFile));
  const listeners = new Set<(next: Settings, previous: Settings) => void>();
  return {
    get: () => ({ ...current }),
    set(patch) {
      const checked = settingsPatchSchema.parse(patch);
      const previous = current;
      current = { ...current, ...checked };
      writeFileAtomicSync(settingsFile, `${JSON.stringify(current, null, 2)}\n`);
      for (const listener of listeners) listener({ ...current }, previous);
      return { ...current };
    },
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    loadBounds() {
      const parsed = boundsSchema.safeParse(readJson(boundsFile));
      return parsed.success ? parsed.data : null;
    },
    saveBounds(bounds) {
      writeFileAtomicSync(boundsFile, `${JSON.stringify(bounds)}\n`);
    },
  };
}
