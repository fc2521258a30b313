/**
 * A UserError is a problem with the user's input (missing file, bad flag, too few planes). The CLI
 * prints its message as one line and exits non-zero, without a stack trace.
 */
export class UserError extends Error {
  constructor(message: string, readonly exitCode = 2) {
    super(message);
    this.name = 'UserError';
  }
}

export class CancelledError extends Error {
  constructor(message = 'cancelled') {
    super(message);
    this.name = 'CancelledError';
  }
}

/**
 * Specific user errors: the engine's refusals as types, so no adapter matches message text.
 * Each is a UserError (one line, exit code 2) and says what to change.
 */

/** The request itself is invalid (a schema rule); `field` names the offending setting. */
export class InvalidRequestError extends UserError {
  constructor(readonly field: string, readonly detail: string) {
    super(field ? `${field}: ${detail}` : detail);
    this.name = 'InvalidRequestError';
  }
}

/** A model folder that cannot be read or used. */
export class ModelFolderError extends UserError {
  constructor(message: string) {
    super(message);
    this.name = 'ModelFolderError';
  }
}

/** The tiles asked for do not fit the network (tile not larger than the overlap). */
export class TileSizeError extends UserError {
  constructor(message: string) {
    super(message);
    this.name = 'TileSizeError';
  }
}

/** The data cannot be used with these settings (too few planes, patch larger than the image, …). */
export class InputMismatchError extends UserError {
  constructor(message: string) {
    super(message);
    this.name = 'InputMismatchError';
  }
}

/** An output exists (or is an input) and may not be replaced. */
export class OutputExistsError extends UserError {
  constructor(message: string) {
    super(message);
    this.name = 'OutputExistsError';
  }
}

/** The loss became NaN or infinite: the run cannot continue (a lower learning rate usually helps). */
export class TrainingDivergedError extends UserError {
  constructor(message: string) {
    super(message);
    this.name = 'TrainingDivergedError';
  }
}
