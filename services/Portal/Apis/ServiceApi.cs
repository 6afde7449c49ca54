using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Http.Resilience;
using Traceability.Portal.SignIn;

namespace Traceability.Portal.Apis;

/// <summary>What a service answered: the value, or the problem it reported (status, title, detail, field errors).</summary>
public sealed record ApiAnswer<T>(T? Value, ApiProblem? Problem)
{
    public bool Ok => Problem is null;
    public bool NotFound => Problem?.Status == (int)HttpStatusCode.NotFound;
}

/// <summary>An RFC 9457 problem from an API, or one the portal makes up when the service cannot be reached.</summary>
public sealed record ApiProblem(int Status, string Title, string? Detail, IReadOnlyDictionary<string, string[]> Errors)
{
    /// <summary>The reason to show a person: the API's detail, its first field error, or its title.</summary>
    public string Reason => Detail ?? Errors.Values.SelectMany(e => e).FirstOrDefault() ?? Title;
}

/// <summary>
/// A call to one service's API with the signed-in user's access token, from the server. Every answer that is not a
/// success becomes an <see cref="ApiProblem"/> the page can show (an API's refusal reason is the user's to read).
/// </summary>
public abstract class ServiceApi(HttpClient http, string service)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    protected Task<ApiAnswer<T>> GetAsync<T>(string path, CancellationToken cancellationToken) =>
        SendAsync<T>(new HttpRequestMessage(HttpMethod.Get, path), cancellationToken);

    protected Task<ApiAnswer<T>> PostAsync<T>(string path, object? body, CancellationToken cancellationToken) =>
        SendAsync<T>(new HttpRequestMessage(HttpMethod.Post, path) { Content = body is null ? null : JsonContent.Create(body, options: Json) }, cancellationToken);

    protected Task<ApiAnswer<T>> DeleteAsync<T>(string path, CancellationToken cancellationToken) =>
        SendAsync<T>(new HttpRequestMessage(HttpMethod.Delete, path), cancellationToken);

    private async Task<ApiAnswer<T>> SendAsync<T>(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        using (request)
        {
            try
            {
                using var response = await http.SendAsync(request, cancellationToken);
                if (response.IsSuccessStatusCode)
                {
                    if (response.StatusCode == HttpStatusCode.NoContent || response.Content.Headers.ContentLength == 0)
                    {
                        return new ApiAnswer<T>(default, null);
                    }
                    return new ApiAnswer<T>(await response.Content.ReadFromJsonAsync<T>(Json, cancellationToken), null);
                }
                return new ApiAnswer<T>(default, await ProblemAsync(response, cancellationToken));
            }
            catch (Exception exception) when (exception is HttpRequestException or Polly.Timeout.TimeoutRejectedException or Polly.CircuitBreaker.BrokenCircuitException
                || (exception is TaskCanceledException && !cancellationToken.IsCancellationRequested))
            {
                // The person learns which service is down, not the internal address it was called at.
                return new ApiAnswer<T>(default, new ApiProblem((int)HttpStatusCode.ServiceUnavailable, $"{service} is not reachable", null,
                    new Dictionary<string, string[]>()));
            }
        }
    }

    private static async Task<ApiProblem> ProblemAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var status = (int)response.StatusCode;
        var title = response.ReasonPhrase ?? status.ToString(System.Globalization.CultureInfo.InvariantCulture);
        string? detail = null;
        var errors = new Dictionary<string, string[]>();
        if (response.Content.Headers.ContentType?.MediaType is "application/problem+json" or "application/json")
        {
            try
            {
                using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
                var root = document.RootElement;
                if (root.ValueKind == JsonValueKind.Object)
                {
                    title = root.TryGetProperty("title", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString()! : title;
                    detail = root.TryGetProperty("detail", out var d) && d.ValueKind == JsonValueKind.String ? d.GetString() : null;
                    if (root.TryGetProperty("errors", out var e) && e.ValueKind == JsonValueKind.Object)
                    {
                        foreach (var field in e.EnumerateObject().Where(f => f.Value.ValueKind == JsonValueKind.Array))
                        {
                            errors[field.Name] = field.Value.EnumerateArray().Where(v => v.ValueKind == JsonValueKind.String).Select(v => v.GetString()!).ToArray();
                        }
                    }
                }
            }
            catch (JsonException)
            {
                // Not a problem document after all: the status line is the reason.
            }
        }
        return new ApiProblem(status, title, detail, errors);
    }
}

/// <summary>Puts the signed-in user's access token on every API call the portal makes for them.</summary>
internal sealed class UserAccessToken(IHttpContextAccessor accessor) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (accessor.HttpContext is { } http && await http.AccessTokenAsync() is { } token)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        return await base.SendAsync(request, cancellationToken);
    }
}

internal static class ServiceApiRegistration
{
    /// <summary>A typed API client for one service: the user's token, and the standard resilience pipeline (no retries of POSTs).</summary>
    public static void AddServiceApi<TApi>(this IServiceCollection services, Func<PlatformApis, Uri> baseAddress) where TApi : ServiceApi
    {
        services.AddHttpClient<TApi>((provider, http) => http.BaseAddress = baseAddress(provider.GetRequiredService<Microsoft.Extensions.Options.IOptions<PortalOptions>>().Value.Apis))
            .AddHttpMessageHandler<UserAccessToken>()
            .AddStandardResilienceHandler(options => options.Retry.DisableForUnsafeHttpMethods());
    }
}
