namespace Traceability.Grievances.Sms;

/// <summary>The SMS side of Grievances (configuration section <c>Sms</c>).</summary>
public sealed class SmsOptions
{
    /// <summary>The address gateways call (e.g. https://grievances.example.org), behind any proxy: webhook signatures are checked over it.</summary>
    public string PublicBaseUrl { get; set; } = "http://127.0.0.1:5103";

    /// <summary>Region numbers without a country code are read in (ISO 3166-1 alpha-2).</summary>
    public string DefaultRegion { get; set; } = "BD";

    /// <summary>The numbers (and short codes) this deployment receives on; a message to another is refused. Empty: any.</summary>
    public List<string> Numbers { get; set; } = [];

    /// <summary>Most segments any reply may take.</summary>
    public int MaxSegments { get; set; } = 4;

    /// <summary>A conversation left this long starts again.</summary>
    public int SessionMinutes { get; set; } = 30;

    /// <summary>Most conversation replies one sender gets per hour; messages beyond are kept and read, not answered (a flood costs no SMS).</summary>
    public int RepliesPerHour { get; set; } = 30;

    /// <summary>
    /// How long after a send whose answer was lost (or whose sender died) the provider is asked whether it took the
    /// message; Twilio only (the others cannot be asked). A claim older than the resilience pipeline's total timeout
    /// plus this is a sender that died.
    /// </summary>
    public TimeSpan ReconcileAfter { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Longest wait for a connection to a provider: a connect that times out surely sent nothing, so it is tried again (less than the attempt timeout).</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Twilio.</summary>
    public TwilioOptions Twilio { get; set; } = new();

    /// <summary>Africa's Talking.</summary>
    public AfricasTalkingOptions AfricasTalking { get; set; } = new();

    /// <summary>Any other aggregator, over signed JSON.</summary>
    public GenericGatewayOptions Generic { get; set; } = new();

    /// <summary>The simulator page and API (local use only).</summary>
    public bool SimulatorEnabled { get; set; }
}

/// <summary>Twilio (Programmable Messaging).</summary>
public sealed class TwilioOptions
{
    /// <summary>Signs webhooks and authenticates the Messages API.</summary>
    public string AuthToken { get; set; } = "";

    /// <summary>The account; empty: replies go to the simulator instead of Twilio.</summary>
    public string AccountSid { get; set; } = "";

    /// <summary>The Messages API's base address.</summary>
    public string ApiBaseUrl { get; set; } = "https://api.twilio.com";

    /// <summary>
    /// Further Twilio accounts or numbers, each with its own token and the exact webhook URL set in its
    /// console (POST /sms/twilio/inbound/{account}); the signature is checked over that URL plus the query.
    /// </summary>
    public Dictionary<string, TwilioAccount> Accounts { get; set; } = [];
}

/// <summary>One more Twilio account.</summary>
public sealed class TwilioAccount
{
    /// <summary>Its auth token.</summary>
    public string AuthToken { get; set; } = "";

    /// <summary>The webhook URL as configured at Twilio, without query.</summary>
    public string WebhookUrl { get; set; } = "";
}

/// <summary>Africa's Talking.</summary>
public sealed class AfricasTalkingOptions
{
    /// <summary>The secret path segment of the callback URLs (Africa's Talking does not sign callbacks).</summary>
    public string PathSecret { get; set; } = "";

    /// <summary>Account user name; empty: replies go to the simulator.</summary>
    public string Username { get; set; } = "";

    /// <summary>API key.</summary>
    public string ApiKey { get; set; } = "";

    /// <summary>The messaging API's base address.</summary>
    public string ApiBaseUrl { get; set; } = "https://api.africastalking.com";
}

/// <summary>A generic aggregator: JSON both ways, HMAC-SHA256 over the raw body in X-Signature.</summary>
public sealed class GenericGatewayOptions
{
    /// <summary>Shared secret of the signatures.</summary>
    public string Secret { get; set; } = "";

    /// <summary>Where replies are posted; empty: replies go to the simulator.</summary>
    public string OutboundUrl { get; set; } = "";
}
