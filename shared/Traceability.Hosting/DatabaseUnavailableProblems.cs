using System.Globalization;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Logging;
using Traceability.Data;

namespace Traceability.Hosting;

/// <summary>
/// A request whose database work could not reach the database within the request budget is answered
/// 503 with <c>Retry-After</c>: the client should come back (with the same Idempotency-Key); a 500
/// would say the request itself was at fault.
/// </summary>
internal sealed partial class DatabaseUnavailableProblems(IProblemDetailsService problems, ILogger<DatabaseUnavailableProblems> logger) : IExceptionHandler
{
    /// <summary>What Retry-After says: long enough for a restart or failover to finish, short enough not to strand clients.</summary>
    public static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(5);

    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not DatabaseUnavailableException unavailable)
        {
            return false;
        }
        LogUnavailable(httpContext.Request.Method, httpContext.Request.Path, unavailable.InnerException?.Message ?? unavailable.Message);
        httpContext.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        httpContext.Response.Headers.RetryAfter = ((int)RetryAfter.TotalSeconds).ToString(CultureInfo.InvariantCulture);
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails = new ProblemDetails
            {
                Status = StatusCodes.Status503ServiceUnavailable,
                Title = "The service's database is unavailable; retry later.",
                Detail = $"Retry after {(int)RetryAfter.TotalSeconds} s with the same Idempotency-Key: if the request was stored after all, the retry gets its answer and nothing is stored twice.",
            },
        });
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Method} {Path} answered 503: database unavailable ({Reason})")]
    private partial void LogUnavailable(string method, string path, string reason);
}
