using System.Globalization;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.Localization;
using Microsoft.Extensions.Options;
using Traceability.Data;
using Traceability.Hosting;
using Traceability.Portal;
using Traceability.Portal.Apis;
using Traceability.Portal.KeyRing;
using Traceability.Portal.SignIn;

// The auditors', caseworkers' and certifiers' web workbench: server-rendered pages that call the other services'
// APIs with the signed-in user's token. It has a schema of its own only for the shared data-protection key ring,
// and joins the bus like every service (it consumes nothing yet, so its topology step declares nothing of its own).
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory, WebRootPath = Path.Combine(AppContext.BaseDirectory, "wwwroot") });
builder.AddTraceabilityService("portal");
var portal = builder.Configuration.GetSection("Portal").Get<PortalOptions>() ?? new PortalOptions();
builder.Services.Configure<PortalOptions>(builder.Configuration.GetSection("Portal"));
builder.Services.AddSingleton(TimeProvider.System);

builder.AddPortalSignIn(portal);
builder.Services.AddDataProtection().SetApplicationName("traceability-portal");
builder.Services.AddSingleton<IConfigureOptions<KeyManagementOptions>>(provider => new ConfigureOptions<KeyManagementOptions>(options =>
    options.XmlRepository = new DatabaseKeyRing(provider.GetRequiredService<Database>(), provider.GetRequiredService<TimeProvider>())));

builder.Services.AddHttpContextAccessor();
builder.Services.AddTransient<UserAccessToken>();
builder.Services.AddServiceApi<RiskApi>(apis => apis.Risk);
builder.Services.AddServiceApi<AuditsApi>(apis => apis.Audits);
builder.Services.AddServiceApi<GrievancesApi>(apis => apis.Grievances);
builder.Services.AddServiceApi<ProvenanceApi>(apis => apis.Provenance);
builder.Services.AddServiceApi<IdentityApi>(apis => apis.Identity);

builder.Services.AddLocalization(options => options.ResourcesPath = "Resources");
builder.Services.AddRazorPages(options =>
    {
        // Everything needs a signed-in user; each area names the roles it admits.
        options.Conventions.AuthorizeFolder("/");
        options.Conventions.AllowAnonymousToPage("/Forbidden");
        options.Conventions.AuthorizeFolder("/Flags", PortalPolicies.WorksFlags);
        options.Conventions.AuthorizeFolder("/Facilities", PortalPolicies.WorksFlags);
        options.Conventions.AuthorizeFolder("/Shipments", PortalPolicies.WorksFlags);
        options.Conventions.AuthorizeFolder("/Audits", PortalPolicies.ReadsAudits);
        options.Conventions.AuthorizeFolder("/Cases", PortalPolicies.WorksCases);
        options.Conventions.AuthorizeFolder("/Admin", PortalPolicies.Certifies);
        options.Conventions.AuthorizePage("/Admin/Users", PortalPolicies.Administers);
        // Provenance's admin API admits platform admins only (and its own admin key), not certifiers.
        options.Conventions.AuthorizePage("/Admin/Exporters", PortalPolicies.Administers);
    })
    .AddViewLocalization()
    .AddDataAnnotationsLocalization(options => options.DataAnnotationLocalizerProvider = (_, factory) => factory.Create(typeof(SharedResource)));
builder.Services.AddAuthorizationBuilder()
    .AddPolicy(PortalPolicies.WorksFlags, policy => policy.RequireRole(Roles.Auditor, Roles.Caseworker, Roles.Admin))
    .AddPolicy(PortalPolicies.ReadsAudits, policy => policy.RequireRole(Roles.Auditor, Roles.Certifier, Roles.Admin))
    .AddPolicy(PortalPolicies.WorksCases, policy => policy.RequireRole(Roles.Caseworker, Roles.Admin))
    .AddPolicy(PortalPolicies.Certifies, policy => policy.RequireRole(Roles.Certifier, Roles.Admin))
    .AddPolicy(PortalPolicies.Administers, policy => policy.RequireRole(Roles.Admin));

var app = builder.Build();
app.Use(SecurityHeaders.AddAsync);
// The language is each user's: their choice (a cookie set by the language form), else their browser's.
app.UseRequestLocalization(new RequestLocalizationOptions
{
    DefaultRequestCulture = new RequestCulture("en"),
    SupportedCultures = PortalCultures.All,
    SupportedUICultures = PortalCultures.All,
});
app.UseStaticFiles();
app.UseTraceabilityDefaults();
app.MapRazorPages();

await app.RunWithMigrationsAsync(typeof(Program).Assembly);

/// <summary>The Portal's entry point (public for the test host).</summary>
public partial class Program;

namespace Traceability.Portal
{
    /// <summary>The roles each area of the portal admits.</summary>
    internal static class PortalPolicies
    {
        public const string WorksFlags = "works-flags";
        public const string WorksCases = "works-cases";
        public const string ReadsAudits = "reads-audits";
        public const string Certifies = "certifies";
        public const string Administers = "administers";
    }

    /// <summary>The languages the portal's texts exist in.</summary>
    internal static class PortalCultures
    {
        public static readonly IList<CultureInfo> All = [new("en"), new("fr")];
    }

    /// <summary>The resources every page reads its texts from (Resources/SharedResource.*.resx).</summary>
    public sealed class SharedResource;
}
