package dev.sluice.sim;

/**
 * A request the simulator refuses, with the status and vLLM error type to answer with.
 * Stackless: it is control flow for bad input, thrown at request rate in failure tests.
 */
final class ApiError extends RuntimeException {

  final int status;
  final String type;

  ApiError(int status, String type, String message) {
    super(message, null, false, false);
    this.status = status;
    this.type = type;
  }

  static ApiError badRequest(String message) {
    return new ApiError(400, "BadRequestError", message);
  }

  static ApiError modelNotFound(String model) {
    return new ApiError(404, "NotFoundError", "The model `" + model + "` does not exist.");
  }
}
