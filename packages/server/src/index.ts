export { CairnServer } from './server.ts'
export { loadConfig, type ServerConfig } from './config.ts'
export type { WriteEvent, WriteEventKind, WriteEventSubject } from './events/write-event.ts'
export type { WriteEventListener } from './events/event-bus.ts'
