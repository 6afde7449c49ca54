using Traceability.Hosting;

namespace Traceability.Portal;

/// <summary>
/// Headers on every answer: a Content-Security-Policy that admits no inline script and no other origin's script or
/// style (htmx and the stylesheet are served by the portal itself), and the usual framing and sniffing guards.
/// </summary>
internal static class SecurityHeaders
{
    public static Task AddAsync(HttpContext http, Func<Task> next)
    {
        var headers = http.Response.Headers;
        // Forms may post only here, and to the provider: signing out posts here and is redirected to its end-session page.
        var provider = new Uri(http.RequestServices.GetRequiredService<AuthOptions>().Authority).GetLeftPart(UriPartial.Authority);
        headers.ContentSecurityPolicy = $"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
            $"form-action 'self' {provider}; frame-ancestors 'none'; base-uri 'self'; object-src 'none'";
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = "same-origin";
        return next();
    }
}
