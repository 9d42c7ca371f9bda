/**
 * The receiver as a Fastify plugin. Fastify parses bodies before a route runs, and refuses form
 * bodies it has no parser for (415); the plugin, in its own encapsulated scope, replaces the
 * parsers with one that leaves the body unread, so that the handler reads it itself (form,
 * multipart or JSON, within its limits), and hijacks the reply so that Fastify sends nothing more.
 * The app's own parsers elsewhere are untouched.
 *
 * Typed by shape, so that the library does not depend on Fastify.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { InvalidOptionError } from '../exotel/errors.js';
import type { StatusCallbackHandler } from './types.js';

/** The part of a Fastify instance the plugin uses. */
export interface FastifyInstanceLike {
  removeAllContentTypeParsers(): unknown;
  addContentTypeParser(type: string, parser: (request: unknown, payload: unknown, done: (error: Error | null, body?: unknown) => void) => void): unknown;
  post(path: string, handler: (request: { raw: IncomingMessage }, reply: { raw: ServerResponse; hijack(): unknown }) => void): unknown;
}

export interface FastifyStatusCallbacksOptions {
  /** The route, in the scope the plugin is registered in (a `:param` for a path secret works). @default '/exotel/status-callback' */
  path?: string;
}

/**
 * A Fastify plugin that serves `handler` (from `createStatusCallbackHandler`) on `path`.
 *
 * @example
 * const handler = createStatusCallbackHandler(stream, { timeZone: 'Asia/Kolkata', secret });
 * await app.register(fastifyStatusCallbacks(handler, { path: '/exotel/status-callback/:secret' }));
 */
export function fastifyStatusCallbacks(handler: StatusCallbackHandler, options: FastifyStatusCallbacksOptions = {}): (instance: FastifyInstanceLike) => Promise<void> {
  if (typeof handler !== 'function' || typeof handler.stats !== 'function') {
    throw new InvalidOptionError('handler', 'the handler `createStatusCallbackHandler()` returns', handler);
  }
  const path = options.path ?? '/exotel/status-callback';
  if (typeof path !== 'string' || !path.startsWith('/')) throw new InvalidOptionError('path', 'a route path starting with `/`', path);
  return async (instance) => {
    instance.removeAllContentTypeParsers();
    // Leave every body to the handler: it knows the types, the size limit and the timeout.
    instance.addContentTypeParser('*', (_request, _payload, done) => done(null));
    instance.post(path, (request, reply) => {
      reply.hijack();
      handler(request.raw, reply.raw);
    });
  };
}
