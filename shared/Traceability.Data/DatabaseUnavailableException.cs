namespace Traceability.Data;

/// <summary>
/// The database could not be reached (or kept failing transiently) for the whole retry budget of the
/// work at hand. HTTP answers it with 503 and <c>Retry-After</c>; consumers keep retrying it.
/// </summary>
public sealed class DatabaseUnavailableException(string message, Exception inner) : Exception(message, inner);
