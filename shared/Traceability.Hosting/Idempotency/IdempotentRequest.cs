using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Traceability.Data;

namespace Traceability.Hosting.Idempotency;

/// <summary>Who owns an Idempotency-Key in a service: an exporter, a user; keys of two owners never meet.</summary>
/// <param name="OwnerOf">The owner of the request's keys (its caller, authenticated before the endpoint runs).</param>
public sealed record IdempotencyOwner(Func<HttpContext, string> OwnerOf);

/// <summary>
/// <c>Idempotency-Key</c> on a POST: the first successful answer to a key is stored in the same
/// transaction as the record it created, in the service's <c>idempotency_key</c> table. The same key with
/// the same request gets that answer again (nothing is stored twice); with a different one, 422. Keys
/// belong to their owner (<see cref="IdempotencyOwner"/>).
/// </summary>
public sealed class IdempotentRequest(Database database, IdempotencyOwner owner) : IEndpointFilter
{
    /// <summary>The header.</summary>
    public const string Header = "Idempotency-Key";

    /// <summary>The longest key.</summary>
    public const int MaxKeyLength = 200;

    private readonly string _find = IdempotencySql.Find(database.Schema);

    /// <summary>The Idempotency-Key header as the OpenAPI document describes it.</summary>
    public static readonly RequestHeader Documented = new(Header,
        "Retry safely: the same key with the same request gets the first answer again; with another request, 422. 1 to 200 printable ASCII characters.",
        MaxKeyLength);

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <inheritdoc />
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var key = http.Request.Headers[Header].ToString();
        if (key.Length == 0)
        {
            return await next(context);
        }
        if (key.Length > MaxKeyLength || key.Any(c => c is < ' ' or > '~'))
        {
            return new ValidationErrors().Add(Header, "An Idempotency-Key is 1 to 200 printable ASCII characters, e.g. a UUID.").ToProblem();
        }
        var ownerId = owner.OwnerOf(http);
        var requestHash = await RequestHashAsync(http);
        if (await ReplayAsync(http, ownerId, key, requestHash) is { } earlier)
        {
            return earlier;
        }
        http.Items[typeof(PendingKey)] = new PendingKey(ownerId, key, requestHash) { Schema = database.Schema };
        try
        {
            return await next(context);
        }
        catch (KeyTakenMeanwhile)
        {
            // A concurrent request with the same key committed first: answer as it did.
            return await ReplayAsync(http, ownerId, key, requestHash)
                ?? throw new InvalidOperationException("An idempotency key was taken but cannot be found.");
        }
    }

    /// <summary>
    /// Stores the answer under the request's key, if it has one, inside the record's transaction (held
    /// with its other writes). A key another request took meanwhile rolls the transaction back.
    /// </summary>
    public static void Save(DataTransaction data, HttpContext http, int statusCode, object response, string? location)
    {
        if (http.Items[typeof(PendingKey)] is not PendingKey pending)
        {
            return;
        }
        data.Defer(IdempotencySql.Save(data.Dialect, pending.Schema), new
        {
            pending.OwnerId,
            pending.IdempotencyKey,
            pending.RequestHash,
            StatusCode = statusCode,
            Location = location,
            ResponseBody = JsonSerializer.Serialize(response, response.GetType(), Json),
            CreatedAt = DateTime.UtcNow,
        }, saved =>
        {
            if (saved == 0)
            {
                throw new KeyTakenMeanwhile();
            }
        });
    }

    private async Task<IResult?> ReplayAsync(HttpContext http, string ownerId, string key, string requestHash)
    {
        var stored = await database.QuerySingleOrDefaultAsync<StoredAnswer>(_find,
            new { OwnerId = ownerId, IdempotencyKey = key }, http.RequestAborted);
        if (stored is null)
        {
            return null;
        }
        if (stored.RequestHash != requestHash)
        {
            return TypedResults.Problem(new HttpValidationProblemDetails(new Dictionary<string, string[]>
            {
                [Header] = ["This key was used with a different request."],
            })
            {
                Status = StatusCodes.Status422UnprocessableEntity,
                Title = "This Idempotency-Key was used with a different request.",
                Detail = "Reuse a key only to retry the very same request; use a new key for a new one.",
            });
        }
        http.Response.Headers["Idempotent-Replayed"] = "true";
        if (stored.Location is not null)
        {
            http.Response.Headers.Location = stored.Location;
        }
        return Results.Text(stored.ResponseBody, "application/json", Encoding.UTF8, stored.StatusCode);
    }

    private static async Task<string> RequestHashAsync(HttpContext http)
    {
        var request = http.Request;
        // The body was buffered before binding (see BufferBodiesForIdempotencyKeys), so it can be read again here.
        request.Body.Position = 0;
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        // The fingerprint is everything that changes what the request asks for: method, path and query,
        // the media type, the other headers the endpoint documents (they change how it is processed, e.g.
        // GS1-Capture-Error-Behaviour), and the body. A retry must repeat all of them; a changed one is
        // another request (422), never a replay.
        var headers = string.Concat((http.GetEndpoint()?.Metadata.GetOrderedMetadata<RequestHeader>() ?? [])
            .Where(h => h.Name != Header)
            .Select(h => $"{h.Name.ToLowerInvariant()}={request.Headers[h.Name].ToString().Trim().ToLowerInvariant()}\n"));
        sha.AppendData(Encoding.UTF8.GetBytes(
            $"{request.Method} {request.Path}{request.QueryString}\n{request.ContentType?.ToLowerInvariant()}\n{headers}"));
        var buffer = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(buffer)) > 0)
        {
            sha.AppendData(buffer, 0, read);
        }
        request.Body.Position = 0;
        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    private sealed record PendingKey(string OwnerId, string IdempotencyKey, string RequestHash)
    {
        public string Schema { get; init; } = "";
    }

    private sealed record StoredAnswer
    {
        public string RequestHash { get; init; } = "";
        public int StatusCode { get; init; }
        public string? Location { get; init; }
        public string ResponseBody { get; init; } = "";
    }

    private sealed class KeyTakenMeanwhile : Exception;
}

/// <summary>Endpoints that take an Idempotency-Key, and what a service needs to offer them.</summary>
public static class IdempotentEndpoints
{
    /// <summary>Runs the endpoint behind <see cref="IdempotentRequest"/> and documents its header.</summary>
    public static RouteHandlerBuilder WithIdempotencyKey(this RouteHandlerBuilder endpoint) =>
        endpoint.AddEndpointFilter<IdempotentRequest>().WithRequestHeader(IdempotentRequest.Documented);

    /// <summary>
    /// Registers the filter, the hourly deletion of expired answers (<c>Idempotency__Retention</c>) and who owns a
    /// request's keys. The service's schema needs an <c>idempotency_key</c> table (see Provenance's or Audits' migrations).
    /// </summary>
    public static IServiceCollection AddIdempotencyKeys(this IServiceCollection services, IConfiguration configuration, Func<HttpContext, string> ownerOf)
    {
        services.Configure<IdempotencyOptions>(configuration.GetSection("Idempotency"));
        services.AddSingleton(new IdempotencyOwner(ownerOf));
        services.AddSingleton<IdempotencyKeyRetention>();
        services.AddHostedService(provider => provider.GetRequiredService<IdempotencyKeyRetention>());
        return services;
    }

    /// <summary>Keeps POST bodies under <paramref name="prefixes"/> readable after binding: the key's fingerprint includes the body.</summary>
    public static IApplicationBuilder BufferBodiesForIdempotencyKeys(this IApplicationBuilder app, params PathString[] prefixes) =>
        app.Use((http, next) =>
        {
            if (HttpMethods.IsPost(http.Request.Method) && prefixes.Any(prefix => http.Request.Path.StartsWithSegments(prefix)))
            {
                http.Request.EnableBuffering();
            }
            return next(http);
        });
}
