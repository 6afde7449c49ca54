using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Options;
using Traceability.Hosting;

namespace Traceability.Provenance.Exporters;

/// <summary>The platform admin's credential, from configuration (<c>Admin:ApiKey</c>).</summary>
public sealed class AdminOptions
{
    /// <summary>At least 32 characters; without it only admin tokens open the admin API.</summary>
    public string ApiKey { get; set; } = "";
}

/// <summary>
/// Admin endpoints admit <c>Authorization: Bearer &lt;Admin:ApiKey&gt;</c> (scripts, the command line's twin) or a platform
/// access token with role <c>admin</c> (a person in the portal), validated like every token on the platform. Any other
/// valid token is 403; anything else, an exporter's key included, 401.
/// </summary>
internal sealed class RequireAdmin(IOptions<AdminOptions> options) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var configured = options.Value.ApiKey;
        var given = ApiKey.FromRequest(http.Request) ?? "";
        if (configured.Length >= 32
            && CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(given)), SHA256.HashData(Encoding.UTF8.GetBytes(configured))))
        {
            return await next(context);
        }
        var token = await http.AuthenticateAsync(JwtBearerDefaults.AuthenticationScheme);
        if (token.Succeeded)
        {
            if (!token.Principal.IsInRole(Roles.Admin))
            {
                return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Only a platform admin manages exporters and their keys.");
            }
            http.User = token.Principal;
            return await next(context);
        }
        http.Response.Headers.WWWAuthenticate = "Bearer";
        return TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "The admin credential or an admin's access token is required.");
    }
}
