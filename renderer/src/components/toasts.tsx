/** Short confirmations ("Copied…") announced politely to screen readers and gone after a few seconds. */
import type { JSX } from 'preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { Icon } from './icons.js';

export interface Toast {
  id: number;
  text: string;
  tone: 'success' | 'danger' | 'info';
}

export type Notify = (text: string, tone?: Toast['tone']) => void;

/** Toast state plus the `notify` function views call. */
export function useToasts(): { toasts: Toast[]; notify: Notify } {
  const [toasts, setToasts] = useState<Toast[]>([]);
  const nextId = useRef(1);
  const timers = useRef(new Set<ReturnType<typeof setTimeout>>());
  useEffect(() => () => timers.current.forEach(clearTimeout), []);
  const dismiss = useCallback((id: number) => setToasts((list) => list.filter((t) => t.id !== id)), []);
  const notify = useCallback<Notify>(
    (text, tone = 'success') => {
      const id = nextId.current++;
      setToasts((list) => [...list.slice(-2), { id, text, tone }]);
      const timer = setTimeout(() => {
        timers.current.delete(timer);
        dismiss(id);
      }, 5000);
      timers.current.add(timer);
    },
    [dismiss],
  );
  return { toasts, notify };
}

/** The live region the toasts render into; it never takes clicks, so it can never hide a button. */
export function Toasts({ toasts }: { toasts: Toast[] }): JSX.Element {
  return (
    <div class="toasts" role="status" aria-live="polite">
      {toasts.map((toast) => (
        <div key={toast.id} class={`toast ${toast.tone}`}>
          <Icon name={toast.tone === 'danger' ? 'alert' : toast.tone === 'info' ? 'info' : 'check'} />
          <span>{toast.text}</span>
        </div>
      ))}
    </div>
  );
}
