// A stand-in `electron` module for loading the built main bundle under plain Node (node -r this).
// Only what the composition root touches before `ready`; it records calls on stdout as JSON lines.
const Module = require('node:module');

const record = (call) => process.stdout.write(`${JSON.stringify({ call })}\n`);
const app = {
  requestSingleInstanceLock: () => {
    record('requestSingleInstanceLock');
    return process.env.FAKE_ELECTRON_LOCK !== 'held';
  },
  quit: () => record('quit'),
  on: (event) => {
    record(`on:${event}`);
    return app;
  },
  setPath: (name, value) => record(`setPath:${name}=${value}`),
  setAppUserModelId: (id) => record(`setAppUserModelId:${id}`),
  // Never becomes ready: start-up after `ready` needs the real Electron.
  whenReady: () => new Promise(() => undefined),
};
const protocol = {
  registerSchemesAsPrivileged: (schemes) => record(`registerSchemesAsPrivileged:${JSON.stringify(schemes)}`),
};
const fakeElectron = { app, protocol };

const load = Module._load;
Module._load = function loadWithFakeElectron(request, ...rest) {
  if (request === 'electron') return fakeElectron;
  return load.call(this, request, ...rest);
};
