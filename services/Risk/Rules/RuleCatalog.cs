using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.Json;
using Traceability.Risk.Flags;

namespace Traceability.Risk.Rules;

/// <summary>One rule's settings: its version (named by every flag it raises), whether it runs, its parameters.</summary>
public sealed class RuleSettings
{
    /// <summary>Raised whenever the rule's logic, data or parameters change meaning.</summary>
    public int Version { get; set; } = 1;

    /// <summary>A rule switched off raises nothing.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>One sentence on what the rule looks for (shown in the README and the rule list).</summary>
    public string Description { get; set; } = "";

    /// <summary>Named parameters, as text; read them with the typed helpers.</summary>
    public Dictionary<string, string> Parameters { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>A parameter as text.</summary>
    public string Text(string name) => Parameters.TryGetValue(name, out var value) && !string.IsNullOrWhiteSpace(value)
        ? value.Trim()
        : throw new InvalidOperationException($"The rule parameter '{name}' is missing.");

    /// <summary>A whole-number parameter.</summary>
    public int Integer(string name) => int.Parse(Text(name), NumberStyles.Integer, CultureInfo.InvariantCulture);

    /// <summary>A decimal parameter.</summary>
    public decimal Number(string name) => decimal.Parse(Text(name), NumberStyles.Number, CultureInfo.InvariantCulture);

    /// <summary>A duration parameter (TimeSpan text, e.g. <c>90.00:00:00</c>).</summary>
    public TimeSpan Duration(string name) => TimeSpan.Parse(Text(name), CultureInfo.InvariantCulture);

    /// <summary>A list parameter (comma separated).</summary>
    public IReadOnlyList<string> List(string name) => Text(name).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}

/// <summary>How long a flag of one severity may wait to be assigned and to be resolved.</summary>
public sealed class SlaClock
{
    /// <summary>From raised to assigned.</summary>
    public TimeSpan Assign { get; set; }

    /// <summary>From raised to resolved.</summary>
    public TimeSpan Resolve { get; set; }
}

/// <summary>The configuration section <c>Risk</c>: the rule set's version, each rule's settings, the SLA clocks.</summary>
public sealed class RiskRulesOptions
{
    /// <summary>The rule set's own version (the shipped file's date and edition).</summary>
    public string RuleSet { get; set; } = "";

    /// <summary>Settings by rule id.</summary>
    public Dictionary<string, RuleSettings> Rules { get; set; } = new(StringComparer.Ordinal);

    /// <summary>SLA clocks by severity (low, medium, high, critical).</summary>
    public Dictionary<string, SlaClock> Sla { get; set; } = new(StringComparer.Ordinal);

    /// <summary>What an open flag of each severity adds to a facility's risk score.</summary>
    public Dictionary<string, int> ScoreWeights { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>
/// The rules and their parameters as data: <c>Rules/rules.json</c> ships in the service (embedded), and
/// ordinary configuration overrides any value of it (<c>Risk__Rules__ilo-indicators__Parameters__Window=60.00:00:00</c>,
/// or a whole file of your own named by <c>Risk__RulesFile</c>). Rules read their settings here, never constants.
/// </summary>
public sealed class RuleCatalog
{
    /// <summary>The embedded resource holding the shipped rule set.</summary>
    public const string ShippedResource = "Rules/rules.json";

    private readonly RiskRulesOptions _options;

    /// <summary>A catalog over bound options.</summary>
    public RuleCatalog(RiskRulesOptions options)
    {
        _options = options;
        foreach (var severity in Severity.All)
        {
            if (!_options.Sla.ContainsKey(severity))
            {
                throw new InvalidOperationException($"The rule set has no SLA clock for severity '{severity}'.");
            }
        }
    }

    /// <summary>The rule set's version.</summary>
    public string RuleSet => _options.RuleSet;

    /// <summary>Every rule's settings by id.</summary>
    public IReadOnlyDictionary<string, RuleSettings> Rules => _options.Rules;

    /// <summary>One rule's settings; a rule the catalog does not know is a deployment error.</summary>
    public RuleSettings this[string ruleId] => _options.Rules.TryGetValue(ruleId, out var settings)
        ? settings
        : throw new InvalidOperationException($"The rule set has no rule '{ruleId}'.");

    /// <summary>What an open flag of each severity adds to a facility's risk score.</summary>
    public IReadOnlyDictionary<string, int> ScoreWeights => _options.ScoreWeights;

    /// <summary>The SLA clock of a severity.</summary>
    public SlaClock SlaFor(string severity) => _options.Sla[severity];

    /// <summary>The shipped rule set, with <paramref name="overrides"/> (key → value, configuration paths under <c>Risk</c>) on top.</summary>
    public static RuleCatalog LoadShipped(IDictionary<string, string?>? overrides = null)
    {
        var configuration = new ConfigurationBuilder();
        configuration.Sources.Add(ShippedSource());
        if (overrides is not null)
        {
            configuration.AddInMemoryCollection(overrides);
        }
        return new RuleCatalog(Bind(configuration.Build()));
    }

    /// <summary>Binds the <c>Risk</c> section.</summary>
    public static RiskRulesOptions Bind(IConfiguration configuration)
    {
        var options = new RiskRulesOptions();
        configuration.GetSection("Risk").Bind(options);
        return options;
    }

    /// <summary>
    /// Adds the shipped rule set beneath the host's own configuration (appsettings, environment, command line
    /// override it), and the file named by <c>Risk:RulesFile</c> just above the shipped one when it is set.
    /// </summary>
    public static void AddTo(IConfigurationManager configuration)
    {
        var file = configuration["Risk:RulesFile"];
        configuration.Sources.Insert(0, ShippedSource());
        if (!string.IsNullOrWhiteSpace(file))
        {
            var own = new JsonConfigurationSource { Path = Path.GetFullPath(file), Optional = false };
            own.ResolveFileProvider();
            configuration.Sources.Insert(1, own);
        }
    }

    // A source that opens the resource afresh each time it is built (a configuration manager rebuilds its
    // sources when one is inserted, and a stream can be read only once).
    private static ShippedRules ShippedSource() => new();

    private sealed class ShippedRules : IConfigurationSource
    {
        public IConfigurationProvider Build(IConfigurationBuilder builder) => new JsonStreamConfigurationProvider(new JsonStreamConfigurationSource
        {
            Stream = typeof(RuleCatalog).Assembly.GetManifestResourceStream(ShippedResource)
                ?? throw new InvalidOperationException("The rule set is not embedded in the Risk assembly."),
        });
    }
}
