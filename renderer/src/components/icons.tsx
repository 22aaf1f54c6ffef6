/** A few 16 px line icons, drawn inline (no icon font, nothing fetched). Decorative: hidden from screen readers. */
import type { JSX } from 'preact';

const PATHS = {
  plus: 'M8 3v10M3 8h10',
  search: 'M7 12A5 5 0 1 0 7 2a5 5 0 0 0 0 10zM10.5 10.5 14 14',
  gear: 'M8 10.2a2.2 2.2 0 1 0 0-4.4 2.2 2.2 0 0 0 0 4.4zM8 1.5v1.7M8 12.8v1.7M1.5 8h1.7M12.8 8h1.7M3.4 3.4l1.2 1.2M11.4 11.4l1.2 1.2M3.4 12.6l1.2-1.2M11.4 4.6l1.2-1.2',
  upload: 'M8 11V2.5M4.5 6 8 2.5 11.5 6M2.5 11v2.5h11V11',
  download: 'M8 2.5V11M4.5 7.5 8 11l3.5-3.5M2.5 11v2.5h11V11',
  copy: 'M5.5 5.5h8v8h-8zM10.5 5.5v-3h-8v8h3',
  eye: 'M1.5 8S4 3.5 8 3.5 14.5 8 14.5 8 12 12.5 8 12.5 1.5 8 1.5 8zM8 10a2 2 0 1 0 0-4 2 2 0 0 0 0 4z',
  eyeOff:
    'M2 2l12 12M6.6 6.6a2 2 0 0 0 2.8 2.8M4.2 4.4C2.5 5.6 1.5 8 1.5 8S4 12.5 8 12.5c1.3 0 2.4-.4 3.4-1M7 3.6c.3 0 .7-.1 1-.1 4 0 6.5 4.5 6.5 4.5s-.5 1-1.5 2',
  refresh: 'M13.5 8A5.5 5.5 0 1 1 12 4.2M13.5 2.5v3h-3',
  lock: 'M4 7.5h8v6H4zM5.5 7.5V5a2.5 2.5 0 0 1 5 0v2.5',
  trash: 'M3 4.5h10M6.5 4.5V3h3v1.5M4.5 4.5l.7 9h5.6l.7-9',
  edit: 'M10.5 2.5l3 3-8 8h-3v-3z',
  terminal: 'M2.5 3h11v10h-11zM5 6.5 7 8.5 5 10.5M8.5 10.5H11',
  check: 'M3 8.5 6.5 12 13 4.5',
  alert: 'M8 2 14.5 13.5h-13zM8 6.5v3.5M8 11.8v.2',
  info: 'M8 14.5A6.5 6.5 0 1 0 8 1.5a6.5 6.5 0 0 0 0 13zM8 7.5V11M8 5v.2',
  x: 'M4 4l8 8M12 4l-8 8',
  key: 'M5.5 10.5a3 3 0 1 1 2.1-5.1 3 3 0 0 1-2.1 5.1zM7.7 7.5H14M12 7.5v2.5M10 7.5V9.5',
} as const;

export type IconName = keyof typeof PATHS;

/** One icon, sized by CSS (`.icon`). */
export function Icon({ name, class: extra }: { name: IconName; class?: string }): JSX.Element {
  return (
    <svg class={extra ? `icon ${extra}` : 'icon'} viewBox="0 0 16 16" aria-hidden="true" focusable="false">
      <path d={PATHS[name]} />
    </svg>
  );
}

/** The app mark: a small token with a tray. */
export function Logo(): JSX.Element {
  return (
    <svg class="logo" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
      <rect x="2" y="2" width="20" height="20" rx="6" class="logo-bg" />
      <path d="M7 9.5h10M12 9.5V17" class="logo-fg" />
    </svg>
  );
}
