/** Entry point: mounts the window, or says plainly that it must run inside Tokentray. */
import { render } from 'preact';
import { tokentray } from './api.js';
import { App } from './components/App.js';

const root = document.getElementById('app');
if (root) {
  if (tokentray()) {
    render(<App />, root);
  } else {
    const message = document.createElement('p');
    message.className = 'standalone';
    message.textContent = 'This page is the Tokentray account window: open it from the Tokentray tray icon.';
    root.replaceChildren(message);
  }
}
