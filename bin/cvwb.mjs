#!/usr/bin/env node
/* global process */
/**
 * `cvwb` launcher: runs cli/main.ts from the checkout through tsx (no build step), so
 * `npx cvwb …` works after `npm ci`. See docs/cli.md.
 */
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../cli/main.ts');
await main(process.argv.slice(2));
