using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Traceability.Data;
using Traceability.Hosting;
using Traceability.Provenance.Exporters;

namespace Traceability.Provenance.Idempotency;

/// <summary>
/// <c>Idempotency-Key</c> on a POST: the first successful answer to a key is stored in the same
/// transaction as the record it created. The same key with the same body gets that answer again
/// (nothing is stored twice); with a different body, 422. Keys are per exporter.
/// </summary>
internal sealed class IdempotentRequest(Database database) : IEndpointFilter
{
    public const string Header = "Idempotency-Key";

    public const int MaxKeyLength = 200;

    /// <summary>The Idempotency-Key header as the OpenAPI document describes it.</summary>
    public static readonly RequestHeader Documented = new(Header,
        "Retry safely: the same key with the same request gets the first answer again; with another request, 422. 1 to 200 printable ASCII characters.",
        MaxKeyLength);

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

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
        var exporter = Exporter.From(http);
        var requestHash = await RequestHashAsync(http.Request);
        if (await ReplayAsync(http, exporter, key, requestHash) is { } earlier)
        {
            return earlier;
        }
        http.Items[typeof(PendingKey)] = new PendingKey(exporter.Id, key, requestHash);
        try
        {
            return await next(context);
        }
        catch (KeyTakenMeanwhile)
        {
            // A concurrent request with the same key committed first: answer as it did.
            return await ReplayAsync(http, exporter, key, requestHash)
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
        data.Defer(IdempotencySql.Save(data.Dialect), new
        {
            pending.ExporterId,
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

    private async Task<IResult?> ReplayAsync(HttpContext http, Exporter exporter, string key, string requestHash)
    {
        var stored = await database.QuerySingleOrDefaultAsync<StoredAnswer>(IdempotencySql.Find,
            new { ExporterId = exporter.Id, IdempotencyKey = key }, http.RequestAborted);
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

    private static async Task<string> RequestHashAsync(HttpRequest request)
    {
        // The body was buffered before binding (see Program), so it can be read again here.
        request.Body.Position = 0;
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        // The fingerprint is everything that changes what the request asks for: method, path and query,
        // the media type, the headers that change how it is processed (GS1-Capture-Error-Behaviour), and the
        // body. A retry must repeat all of them; a changed one is another request (422), never a replay.
        var behaviour = request.Headers["GS1-Capture-Error-Behaviour"].ToString().Trim().ToLowerInvariant();
        sha.AppendData(Encoding.UTF8.GetBytes(
            $"{request.Method} {request.Path}{request.QueryString}\n{request.ContentType?.ToLowerInvariant()}\n{behaviour}\n"));
        var buffer = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(buffer)) > 0)
        {
            sha.AppendData(buffer, 0, read);
        }
        request.Body.Position = 0;
        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    private sealed record PendingKey(string ExporterId, string IdempotencyKey, string RequestHash);

    private sealed record StoredAnswer
    {
        public string RequestHash { get; init; } = "";
        public int StatusCode { get; init; }
        public string? Location { get; init; }
        public string ResponseBody { get; init; } = "";
    }

    private sealed class KeyTakenMeanwhile : Exception;
}

/// <summary>Endpoints that take an Idempotency-Key.</summary>
internal static class IdempotentEndpoints
{
    /// <summary>Runs the endpoint behind <see cref="IdempotentRequest"/> and documents its header.</summary>
    public static RouteHandlerBuilder WithIdempotencyKey(this RouteHandlerBuilder endpoint) =>
        endpoint.AddEndpointFilter<IdempotentRequest>().WithRequestHeader(IdempotentRequest.Documented);
}
