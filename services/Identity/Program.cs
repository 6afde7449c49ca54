using System.Threading.RateLimiting;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Traceability.Data;
using Traceability.Hosting;
using Traceability.Identity;
using Traceability.Identity.Accounts;
using Traceability.Identity.Connect;
using Traceability.Identity.Features.ManageUsers;
using Traceability.Identity.Pages;
using Traceability.Identity.Passwords;
using Traceability.Identity.Signing;
using static OpenIddict.Abstractions.OpenIddictConstants;

var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.AddTraceabilityService(IdentityStore.Schema);
builder.Services.AddSingleton(TimeProvider.System);
var options = builder.Configuration.GetSection("Identity").Get<IdentityServiceOptions>() ?? new IdentityServiceOptions();
builder.Services.Configure<IdentityServiceOptions>(builder.Configuration.GetSection("Identity"));
var clients = builder.Configuration.GetSection("Clients").Get<ClientsOptions>() ?? new ClientsOptions();
builder.Services.AddSingleton(clients);

// EF Core, in this service only: ASP.NET Core Identity and OpenIddict are built on it. Same database and
// provider setting as the platform's Dapper code; the tables come from infra/sql/<dialect>/identity.
var database = builder.Configuration.GetSection("Database").Get<DatabaseOptions>() ?? new DatabaseOptions();
var connectionString = string.IsNullOrWhiteSpace(database.ConnectionString) ? builder.Configuration.GetConnectionString("Traceability") ?? "" : database.ConnectionString;
builder.Services.AddDbContext<IdentityStore>(store =>
{
    if (string.Equals(database.Provider, "sqlserver", StringComparison.OrdinalIgnoreCase))
    {
        store.UseSqlServer(connectionString);
    }
    else
    {
        store.UseNpgsql(connectionString);
    }
    store.UseOpenIddict();
});

builder.Services.AddIdentity<PlatformUser, IdentityRole>(identity =>
    {
        // NIST SP 800-63B: length and a blocklist (NistPasswordValidator), no composition rules.
        identity.Password.RequiredLength = NistPasswordValidator.MinimumLength;
        identity.Password.RequireDigit = false;
        identity.Password.RequireLowercase = false;
        identity.Password.RequireUppercase = false;
        identity.Password.RequireNonAlphanumeric = false;
        identity.Password.RequiredUniqueChars = 1;
        identity.User.RequireUniqueEmail = true;
        identity.Lockout.AllowedForNewUsers = true;
        identity.Lockout.MaxFailedAccessAttempts = options.MaxFailedSignIns;
        identity.Lockout.DefaultLockoutTimeSpan = options.LockoutDuration;
        identity.ClaimsIdentity.UserIdClaimType = Claims.Subject;
        identity.ClaimsIdentity.UserNameClaimType = Claims.Name;
        identity.ClaimsIdentity.RoleClaimType = Claims.Role;
        identity.ClaimsIdentity.EmailClaimType = Claims.Email;
    })
    .AddEntityFrameworkStores<IdentityStore>()
    .AddDefaultTokenProviders()
    .AddPasswordValidator<NistPasswordValidator>();
builder.Services.Configure<DataProtectionTokenProviderOptions>(tokens => tokens.TokenLifespan = options.SetPasswordLinkLifetime);
builder.Services.ConfigureApplicationCookie(cookie =>
{
    cookie.LoginPath = "/account/login";
    cookie.Cookie.Name = "traceability.identity";
    cookie.Cookie.HttpOnly = true;
    cookie.Cookie.SameSite = SameSiteMode.Lax;
    cookie.ExpireTimeSpan = TimeSpan.FromHours(8);
});
// Antiforgery tokens, sign-in cookies and set-password links are protected with keys every instance shares and that survive restarts.
builder.Services.AddDataProtection().SetApplicationName("traceability-identity").PersistKeysToDbContext<IdentityStore>();
builder.Services.AddAntiforgery();
builder.Services.AddAuthentication().AddScheme<BootstrapAdminOptions, BootstrapAdmin>(BootstrapAdmin.SchemeName,
    admin => admin.ApiKey = builder.Configuration["Admin:ApiKey"] ?? "");

// The topology step (deploy time, no secrets at hand) builds the app but never issues a token: no key needed there.
var signing = BusTopology.IsRequested(Environment.GetCommandLineArgs()) ? null : SigningKeys.Load(options);
builder.Services.AddOpenIddict()
    .AddCore(core => core.UseEntityFrameworkCore().UseDbContext<IdentityStore>())
    .AddServer(server =>
    {
        if (!string.IsNullOrWhiteSpace(options.Issuer))
        {
            server.SetIssuer(new Uri(options.Issuer.TrimEnd('/') + "/"));
        }
        server.SetAuthorizationEndpointUris("connect/authorize")
            .SetTokenEndpointUris("connect/token")
            .SetEndSessionEndpointUris("connect/endsession")
            .SetUserInfoEndpointUris("connect/userinfo");
        server.AllowAuthorizationCodeFlow().RequireProofKeyForCodeExchange();
        // S256 only: a "plain" challenge is the verifier itself, readable by whoever sees the authorize request.
        server.Configure(o => o.CodeChallengeMethods.Remove(CodeChallengeMethods.Plain));
        server.AllowRefreshTokenFlow();
        server.AllowClientCredentialsFlow();
        server.RegisterScopes(Scopes.OpenId, Scopes.Email, Scopes.Profile, Scopes.Roles, Scopes.OfflineAccess, ConnectEndpoints.ApiScope);
        server.RegisterClaims(Claims.Subject, Claims.Email, Claims.Name, Claims.Role, PlatformClaims.AuditorId);
        if (signing is not null)
        {
            server.AddSigningKey(signing.Signing);
            server.AddEncryptionKey(signing.Encryption);
        }
        // Access tokens are plain signed JWTs, so any service (and any JwtBearer handler) can validate them with the JWKS.
        server.DisableAccessTokenEncryption();
        server.SetAccessTokenLifetime(options.AccessTokenLifetime);
        server.SetRefreshTokenLifetime(options.RefreshTokenLifetime);
        var aspNetCore = server.UseAspNetCore()
            .EnableAuthorizationEndpointPassthrough()
            .EnableTokenEndpointPassthrough()
            .EnableEndSessionEndpointPassthrough()
            .EnableUserInfoEndpointPassthrough();
        if (!options.RequireHttps)
        {
            aspNetCore.DisableTransportSecurityRequirement();
        }
    });
builder.Services.AddRateLimiter(limiter =>
{
    limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
    limiter.AddPolicy(AccountPages.SignInLimit, http => RateLimitPartition.GetFixedWindowLimiter(
        http.Connection.RemoteIpAddress?.ToString() ?? "unknown",
        _ => new FixedWindowRateLimiterOptions { PermitLimit = options.SignInAttemptsPerMinute, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 }));
    limiter.OnRejected = (context, _) =>
    {
        context.HttpContext.Response.Headers.RetryAfter = "60";
        return ValueTask.CompletedTask;
    };
});
if (!string.IsNullOrWhiteSpace(builder.Configuration["Mail:Smtp:Host"]))
{
    builder.Services.Configure<SmtpOptions>(builder.Configuration.GetSection("Mail:Smtp"));
    builder.Services.AddSingleton<IAccountMail, SmtpAccountMail>();
}
else
{
    builder.Services.AddSingleton<IAccountMail, NoAccountMail>();
}
builder.Services.AddScoped<UserAccounts>();
builder.Services.AddHostedService<ClientRegistrations>();
builder.Services.AddUniqueKey("uq_users_normalized_user_name", "email", "An account with this email exists.");

var app = builder.Build();
if (UserCommandLine.Handles(args))
{
    return await UserCommandLine.RunAsync(app, args);
}

app.UseTraceabilityDefaults();
// EF Core's queries do not run through the platform's retried transactions: a transient database error
// they surface is the database being unavailable (503 with Retry-After, as on every service), not a 500.
var dialect = app.Services.GetRequiredService<Database>().Dialect;
app.Use(async (http, next) =>
{
    try
    {
        await next(http);
    }
    catch (Exception exception) when (Causes(exception).Any(dialect.IsTransient))
    {
        throw new DatabaseUnavailableException("Identity's database is unavailable.", exception);
    }
});
app.UseRateLimiter();
app.UseAntiforgery();

var admin = app.MapGroup("/admin").WithTags("Admin");
BootstrapAdmin.RequireAdmin(admin);
admin.MapManageUsers();
app.MapAccountPages();
app.MapConnect();

await app.RunWithMigrationsAsync(typeof(Program).Assembly);
return 0;

static IEnumerable<Exception> Causes(Exception exception)
{
    for (Exception? cause = exception; cause is not null; cause = cause.InnerException)
    {
        yield return cause;
    }
}

/// <summary>The Identity service's entry point (public for the test host).</summary>
public partial class Program;
