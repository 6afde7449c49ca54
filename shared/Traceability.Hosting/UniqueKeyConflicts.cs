using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Traceability.Data;

namespace Traceability.Hosting;

/// <summary>The unique business keys a service names for its clients: constraint → field and explanation.</summary>
public sealed class UniqueKeyOptions
{
    internal Dictionary<string, (string Field, string Title)> Keys { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Names the request field a unique constraint (or unique index) protects.</summary>
    public UniqueKeyOptions Add(string constraint, string field, string title)
    {
        Keys[constraint] = (field, title);
        return this;
    }
}

/// <summary>Registration of unique business keys.</summary>
public static class UniqueKeyRegistration
{
    /// <summary>
    /// Declares that <paramref name="constraint"/> keeps <paramref name="field"/> unique: a request that
    /// loses a race for it answers 409 naming the field with <paramref name="title"/>.
    /// </summary>
    public static IServiceCollection AddUniqueKey(this IServiceCollection services, string constraint, string field, string title) =>
        services.Configure<UniqueKeyOptions>(options => options.Add(constraint, field, title));
}

/// <summary>
/// The one mapping of a unique-key violation to 409 Conflict. A check-then-insert cannot stop two
/// concurrent requests from both passing the check; the database's unique constraint stops the
/// second, and this turns its error into a field-level problem instead of a 500. The losing
/// request's transaction has rolled back, so nothing of it is stored.
/// </summary>
/// <remarks>Not logged here: the answered 409 is logged once with every other client error (ClientInput).</remarks>
internal sealed class UniqueKeyConflicts(Database database, IOptions<UniqueKeyOptions> options, IProblemDetailsService problems) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        string? constraint = null;
        var found = false;
        for (var current = exception; current is not null && !found; current = current.InnerException)
        {
            found = database.Dialect.IsUniqueViolation(current, out constraint);
        }
        if (!found)
        {
            return false;
        }
        var (field, title) = constraint is not null && options.Value.Keys.TryGetValue(constraint, out var known)
            ? known
            : ("$", "A record with the same identifying values exists already.");
        httpContext.Response.StatusCode = StatusCodes.Status409Conflict;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            ProblemDetails = new HttpValidationProblemDetails(new Dictionary<string, string[]> { [field] = [title] })
            {
                Status = StatusCodes.Status409Conflict,
                Title = title,
                Type = "https://tools.ietf.org/html/rfc9110#section-15.5.10",
            },
            Exception = exception,
        });
    }
}
