import type { z } from 'zod';
import { AppError, ErrorCode } from '../core/errors.ts';
import type { Operation, OperationDef } from './types.ts';

/** Zod issues as the error handler's `fields` details. */
export function validationError(error: z.ZodError, location: string): AppError {
  const fields = error.issues.slice(0, 20).map((i) => ({
    location,
    path: i.path.map(String).join('.'),
    message: i.message,
  }));
  return new AppError(ErrorCode.VALIDATION_FAILED, undefined, { details: { fields } });
}

/** Binds a typed definition into a catalogue entry; the only place input is parsed. */
export function defineOperation<S extends z.ZodType, O>(
  def: Omit<OperationDef<z.output<S>, O>, 'input'> & { input: S },
): Operation & { input: S } {
  return {
    name: def.name,
    description: def.description,
    input: def.input,
    output: def.output,
    permission: def.permission,
    capability: def.capability,
    expensive: def.expensive === true,
    lane: def.lane ?? 'short',
    exposure: def.exposure ?? 'all',
    rest: def.rest,
    action: def.action,
    reachesS3Objects: def.s3Path !== undefined,
    parse(raw) {
      const parsed = def.input.safeParse(raw);
      if (!parsed.success) throw validationError(parsed.error, 'params');
      const input = parsed.data;
      return {
        region: def.region(input),
        minValiditySeconds: def.minValiditySeconds?.(input),
        scope: (connection) => def.scope(input, connection),
        s3Path: def.s3Path?.(input),
        policy: (target) => def.policy(input, target),
        resource: (target) => def.resource(input, target),
        notFound: (target) => def.notFound?.(input, target),
        run: (ctx) => def.handler(ctx, input),
      };
    },
  };
}
