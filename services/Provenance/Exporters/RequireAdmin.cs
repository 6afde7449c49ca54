using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace Traceability.Provenance.Exporters;

/// <summary>The platform admin's credential, from configuration (<c>Admin:ApiKey</c>).</summary>
public sealed class AdminOptions
{
    /// <summary>At least 32 characters; without it the admin API answers 401 to everyone.</summary>
    public string ApiKey { get; set; } = "";
}

/// <summary>Admin endpoints require <c>Authorization: Bearer &lt;Admin:ApiKey&gt;</c>.</summary>
internal sealed class RequireAdmin(IOptions<AdminOptions> options) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var configured = options.Value.ApiKey;
        var given = ApiKey.FromRequest(context.HttpContext.Request) ?? "";
        var valid = configured.Length >= 32
            && CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(given)), SHA256.HashData(Encoding.UTF8.GetBytes(configured)));
        if (!valid)
        {
            context.HttpContext.Response.Headers.WWWAuthenticate = "Bearer";
            return TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "The admin credential is required.");
        }
        return await next(context);
    }
}
