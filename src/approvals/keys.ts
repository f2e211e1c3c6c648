/** Moved to src/keys.ts (the key module is not approvals-specific); this name stays for importers not yet moved. */
export * from '../keys.js';
