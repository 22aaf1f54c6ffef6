export type ElectronNode = { ok: true; path: string } | { ok: false; reason: string; fetchable?: boolean };
export const ELECTRON_NODE_VERSION: string;
export const ELECTRON_NODE_DIR: string;
export function electronNodePath(): ElectronNode;
export function ensureElectronNode(options?: { log?: (message: string) => void }): ElectronNode;
