// Saved searches and their alerts over HTTP: the explorer, the CLI and any client list, create and
// delete them; GET /api/v1/saved-searches/:id is what a shared link opens.
import type { FastifyInstance } from 'fastify';
import { SavedSearchError, type SavedSearches } from '../alerts/saved-searches.ts';
import { ApiError } from './errors.ts';

function parsed(body: unknown): unknown {
  if (!Buffer.isBuffer(body)) return body;
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (error) {
    throw new ApiError(400, 'bad_json', `the body is not JSON: ${(error as Error).message}`);
  }
}

export function registerSavedSearchRoutes(app: FastifyInstance, saved: SavedSearches): void {
  app.get('/api/v1/saved-searches', async () => ({ searches: saved.list() }));

  app.get<{ Params: { id: string } }>('/api/v1/saved-searches/:id', async (request) => {
    const found = saved.get(request.params.id);
    if (!found) throw new ApiError(404, 'unknown_saved_search', `no saved search ${request.params.id}: GET /api/v1/saved-searches lists them`);
    return found;
  });

  app.post('/api/v1/saved-searches', async (request, reply) => {
    try {
      return reply.code(201).send(await saved.create(parsed(request.body)));
    } catch (error) {
      if (error instanceof SavedSearchError) throw new ApiError(400, 'bad_saved_search', error.message);
      throw error;
    }
  });

  app.delete<{ Params: { id: string } }>('/api/v1/saved-searches/:id', async (request) => {
    if (!(await saved.remove(request.params.id))) throw new ApiError(404, 'unknown_saved_search', `no saved search ${request.params.id}`);
    return { deleted: request.params.id };
  });
}
