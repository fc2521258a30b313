/** App-level channels: who am I talking to, and commands from the native menus. */
import { z } from 'zod';
import { Empty, event, invoke } from './define.ts';

export const AppInfo = z.object({
  name: z.string(),
  version: z.string(),
  /** 'electron' when running in the desktop app, 'bridge' when served to a browser over loopback. */
  mode: z.enum(['electron', 'bridge']),
  platform: z.string(),
  /** Folder where recent files, settings and app-created outputs live. */
  userDataDir: z.string(),
  /** Folder the app writes its own outputs to by default (always allowed for reading back). */
  outputDir: z.string(),
});
export type AppInfo = z.infer<typeof AppInfo>;

/**
 * Menu commands. In Electron the native menu sends these to the renderer; in the browser the
 * in-app menu bar produces the same values, so one handler serves both.
 */
export const MenuCommand = z.discriminatedUnion('command', [
  z.object({ command: z.literal('open-stack'), role: z.enum(['primary', 'second-copy', 'reference']) }),
  z.object({ command: z.literal('open-path'), path: z.string(), role: z.enum(['primary', 'second-copy', 'reference']) }),
  z.object({ command: z.literal('export') }),
  z.object({ command: z.literal('view'), view: z.string() }),
  z.object({ command: z.literal('about') }),
]);
export type MenuCommand = z.infer<typeof MenuCommand>;

export const PanelRef = z.object({ id: z.string().min(1).max(64), title: z.string().min(1).max(80) });
export type PanelRef = z.infer<typeof PanelRef>;

export const appInvokes = {
  'app:info': invoke(Empty, AppInfo, 'name, version and mode of the running app'),
  'app:set-panels': invoke(
    z.object({ panels: z.array(PanelRef).max(50) }),
    z.object({}),
    'the renderer lists its panels (main puts them in the native View menu)',
  ),
};

export const appEvents = {
  'menu:command': event(MenuCommand, 'a native menu item was chosen'),
};
