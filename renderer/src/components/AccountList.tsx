/**
 * The account list: a listbox that renders only the rows in view (plus a few), so 1,000 accounts
 * cost as much as 20. Focus stays on the listbox; arrow keys move the selection and
 * `aria-activedescendant` tells screen readers which row is current.
 */
import type { JSX } from 'preact';
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import type { AccountView } from '../../../preload/contract.js';
import { presetSpec } from '../presets.js';
import { rowStatus, stateLabel, stateTone } from '../status.js';

/** Row height in px; must match `.row` in styles.css. */
export const ROW_HEIGHT = 64;
const OVERSCAN = 6;

export interface AccountListProps {
  views: readonly AccountView[];
  selected: string | null;
  onSelect: (name: string) => void;
  /** Enter on a row: move focus to its details. */
  onOpen: (name: string) => void;
  now: number;
  /** Lets the filter box hand focus to the list. */
  listRef?: { current: HTMLDivElement | null };
}

/** The DOM id of an account's row (names are limited to A-Z a-z 0-9 . _ -, all valid in ids). */
export function rowId(name: string): string {
  return `account-${name}`;
}

function Row({
  view,
  index,
  count,
  selected,
  now,
  onClick,
}: {
  view: AccountView;
  index: number;
  count: number;
  selected: boolean;
  now: number;
  onClick: () => void;
}): JSX.Element {
  const tone = stateTone(view);
  return (
    <div
      id={rowId(view.name)}
      role="option"
      aria-selected={selected}
      aria-setsize={count}
      aria-posinset={index + 1}
      class={selected ? 'row selected' : 'row'}
      style={{ transform: `translateY(${index * ROW_HEIGHT}px)` }}
      data-name={view.name}
      onClick={onClick}
    >
      <span class={`dot ${tone}`} aria-hidden="true" />
      <span class="row-main">
        <span class="row-top">
          <span class="row-name">{view.name}</span>
          <span class={`badge ${tone}`}>{stateLabel(view)}</span>
        </span>
        <span class="row-sub">
          <span class="row-preset">{view.label ?? presetSpec(view.preset).title}</span>
          <span
            class={tone === 'danger' ? 'row-time danger-text' : 'row-time'}
            title={view.error ?? undefined}
          >
            {rowStatus(view, now)}
          </span>
        </span>
      </span>
    </div>
  );
}

/** The virtualised listbox of accounts, already sorted and filtered by the caller. */
export function AccountList({
  views,
  selected,
  onSelect,
  onOpen,
  now,
  listRef,
}: AccountListProps): JSX.Element {
  const ref = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(640);
  const selectedIndex = selected === null ? -1 : views.findIndex((v) => v.name === selected);

  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    if (listRef) listRef.current = el;
    setHeight(el.clientHeight || 640);
    const observer = new ResizeObserver(() => setHeight(el.clientHeight || 640));
    observer.observe(el);
    return () => observer.disconnect();
  }, [listRef]);

  // Keep the selected row in view when it changes (keyboard, a focus push from the tray).
  useEffect(() => {
    const el = ref.current;
    if (!el || selectedIndex < 0) return;
    const top = selectedIndex * ROW_HEIGHT;
    if (top < el.scrollTop) el.scrollTop = top;
    else if (top + ROW_HEIGHT > el.scrollTop + el.clientHeight)
      el.scrollTop = top + ROW_HEIGHT - el.clientHeight;
  }, [selectedIndex]);

  const first = Math.max(0, Math.floor(scrollTop / ROW_HEIGHT) - OVERSCAN);
  const last = Math.min(views.length, Math.ceil((scrollTop + height) / ROW_HEIGHT) + OVERSCAN);
  const indices: number[] = [];
  for (let i = first; i < last; i++) indices.push(i);
  // The active row must exist in the DOM for aria-activedescendant, even when scrolled away.
  if (selectedIndex >= 0 && (selectedIndex < first || selectedIndex >= last)) indices.push(selectedIndex);

  function move(to: number): void {
    const target = views[Math.max(0, Math.min(views.length - 1, to))];
    if (target) onSelect(target.name);
  }

  function onKeyDown(event: KeyboardEvent): void {
    const page = Math.max(1, Math.floor(height / ROW_HEIGHT) - 1);
    const keys: Record<string, () => void> = {
      ArrowDown: () => move(selectedIndex + 1),
      ArrowUp: () => move(selectedIndex < 0 ? 0 : selectedIndex - 1),
      Home: () => move(0),
      End: () => move(views.length - 1),
      PageDown: () => move(selectedIndex + page),
      PageUp: () => move(selectedIndex - page),
      Enter: () => selected !== null && onOpen(selected),
    };
    const action = keys[event.key];
    if (!action || views.length === 0) return;
    event.preventDefault();
    action();
  }

  return (
    <div
      ref={ref}
      class="list"
      role="listbox"
      tabIndex={0}
      aria-label="Accounts, most urgent first"
      aria-activedescendant={selectedIndex >= 0 && selected !== null ? rowId(selected) : undefined}
      onScroll={(event) => setScrollTop((event.currentTarget as HTMLDivElement).scrollTop)}
      onKeyDown={onKeyDown}
    >
      <div class="list-spacer" style={{ height: `${views.length * ROW_HEIGHT}px` }}>
        {indices.map((index) => {
          const view = views[index]!;
          return (
            <Row
              key={view.name}
              view={view}
              index={index}
              count={views.length}
              selected={view.name === selected}
              now={now}
              onClick={() => {
                onSelect(view.name);
                ref.current?.focus();
              }}
            />
          );
        })}
      </div>
    </div>
  );
}
