/** A modal dialog on the native <dialog>: focus stays inside, Escape closes, focus returns to the opener. */
import type { ComponentChildren, JSX } from 'preact';
import { useEffect, useId, useRef, useState } from 'preact/hooks';
import { Icon } from './icons.js';

export interface DialogProps {
  title: string;
  /** Called once the dialog closed, whatever closed it (Escape, the close button, the caller). */
  onClose: () => void;
  children: ComponentChildren;
  class?: string;
}

/** Opens as a modal as soon as it mounts. */
export function Dialog({ title, onClose, children, class: extra }: DialogProps): JSX.Element {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  // What had the focus when the dialog was asked for (its first render), not when it opened.
  const [opener] = useState(() =>
    document.activeElement instanceof HTMLElement ? document.activeElement : null,
  );
  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) {
      dialog.showModal();
      // Start in the dialog's content (an autofocus button, else its first field), not on ×.
      const first =
        dialog.querySelector<HTMLElement>('.dialog-body [autofocus]') ??
        dialog.querySelector<HTMLElement>(
          '.dialog-body :is(input, select, textarea, button):not([disabled])',
        );
      first?.focus();
    }
    return () => opener?.focus();
  }, [opener]);
  return (
    <dialog
      ref={ref}
      class={extra ? `dialog ${extra}` : 'dialog'}
      aria-labelledby={titleId}
      onClose={onClose}
    >
      <header class="dialog-header">
        <h2 id={titleId}>{title}</h2>
        <button type="button" class="icon-button" aria-label="Close" onClick={() => ref.current?.close()}>
          <Icon name="x" />
        </button>
      </header>
      {children}
    </dialog>
  );
}
