using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using WireMock.Server;

namespace Traceability.IntegrationTests.Grievances;

/// <summary>
/// A platform for the Grievances tests: Provenance (facilities), Grievances (and Risk when asked), one
/// database and virtual host, the providers' APIs as WireMock servers, and a tap on every exchange
/// Grievances publishes to, which keeps each bus message's raw bytes.
/// </summary>
internal sealed class GrievancesPlatform : IAsyncDisposable
{
    public const string TwilioToken = "test-twilio-auth-token-0123456789";
    public const string TwilioAccountSid = "AC00000000000000000000000000000001";
    public const string PublicBaseUrl = "https://grievances.example.org";
    public const string AfricasTalkingSecret = "at-path-secret-0123456789abcdef";
    public const string GenericSecret = "generic-gateway-secret-0123456789";
    public const string OurNumber = "+15005550006";

    private readonly List<IAsyncDisposable> _owned = [];
    private IConnection? _tapConnection;
    private IChannel? _tapChannel;

    public TestDatabase Database { get; private set; } = null!;
    public TestVirtualHost VirtualHost { get; private set; } = null!;
    public ServiceProcess Provenance { get; private set; } = null!;
    public ServiceProcess Grievances { get; private set; } = null!;
    public ServiceProcess? Risk { get; private set; }
    public WireMockServer TwilioApi { get; } = WireMockServer.Start();
    public WireMockServer GenericApi { get; } = WireMockServer.Start();
    public WireMockServer AfricasTalkingApi { get; } = WireMockServer.Start();

    /// <summary>Every message published to a tapped exchange, raw.</summary>
    public ConcurrentQueue<(string Exchange, string Body)> BusMessages { get; } = new();

    /// <summary>The Twilio vectors' (webhook URL, token) pairs, one Twilio account each: "v0", "v1", ...</summary>
    public static IReadOnlyDictionary<(string Url, string Token), string> VectorAccounts { get; } = TwilioVectors.Accounts();

    public static async Task<GrievancesPlatform> StartAsync(bool withRisk, IDictionary<string, string>? extra = null)
    {
        var platform = new GrievancesPlatform
        {
            Database = await Infrastructure.CreateDatabaseAsync(),
            VirtualHost = await Infrastructure.CreateVirtualHostAsync(),
        };
        var services = withRisk ? new[] { "Provenance", "Grievances", "Risk" } : ["Provenance", "Grievances"];
        await Task.WhenAll(services.Select(async service =>
        {
            await using var step = ServiceProcess.Create(service, platform.Database, platform.VirtualHost, Settings(platform));
            await step.DeployTopologyAsync();
        }));
        await platform.TapAsync();
        var settings = Settings(platform);
        foreach (var (key, value) in extra ?? new Dictionary<string, string>())
        {
            settings[key] = value;
        }
        var starting = new List<Task<ServiceProcess>>
        {
            ServiceProcess.StartAsync("Provenance", platform.Database, platform.VirtualHost),
            ServiceProcess.StartAsync("Grievances", platform.Database, platform.VirtualHost, settings),
        };
        if (withRisk)
        {
            starting.Add(ServiceProcess.StartAsync("Risk", platform.Database, platform.VirtualHost));
        }
        var started = await Task.WhenAll(starting);
        platform.Provenance = started[0];
        platform.Grievances = started[1];
        platform.Risk = withRisk ? started[2] : null;
        return platform;
    }

    /// <summary>The privacy keys every test starts Grievances with (it refuses to start without keys).</summary>
    public static IReadOnlyDictionary<string, string> Keys { get; } = new Dictionary<string, string>
    {
        ["Privacy__CurrentKeyId"] = "k2",
        ["Privacy__Keys__k1"] = Convert.ToBase64String(SHA256.HashData("retired test key"u8)),
        ["Privacy__Keys__k2"] = Convert.ToBase64String(SHA256.HashData("current test key"u8)),
        ["Privacy__PseudonymKey"] = Convert.ToBase64String(SHA256.HashData("pseudonym test key"u8)),
    };

    /// <summary>What Grievances is started with: keys, gateway secrets, the providers' addresses, one account per Twilio vector group.</summary>
    public static Dictionary<string, string> Settings(GrievancesPlatform? platform = null)
    {
        var settings = new Dictionary<string, string>(Keys)
        {
            ["Sms__PublicBaseUrl"] = PublicBaseUrl,
            ["Sms__Numbers__0"] = OurNumber,
            ["Sms__Twilio__AuthToken"] = TwilioToken,
            ["Sms__AfricasTalking__PathSecret"] = AfricasTalkingSecret,
            ["Sms__Generic__Secret"] = GenericSecret,
            ["Sms__RepliesPerHour"] = "40",
            // The providers' APIs answer at once here: short retries keep the outage tests quick.
            ["Sms__Resilience__Retry__Delay"] = "00:00:00.020",
            ["Sms__Resilience__Retry__UseJitter"] = "false",
            ["Logging__LogLevel__Default"] = "Information",
            ["Logging__LogLevel__Microsoft.AspNetCore"] = "Information",
            ["Logging__LogLevel__System.Net.Http"] = "Information",
        };
        foreach (var ((url, token), account) in VectorAccounts)
        {
            settings[$"Sms__Twilio__Accounts__{account}__AuthToken"] = token;
            settings[$"Sms__Twilio__Accounts__{account}__WebhookUrl"] = url;
        }
        if (platform is not null)
        {
            settings["Sms__Twilio__AccountSid"] = TwilioAccountSid;
            settings["Sms__Twilio__ApiBaseUrl"] = platform.TwilioApi.Urls[0];
            settings["Sms__Generic__OutboundUrl"] = platform.GenericApi.Urls[0] + "/messages";
            settings["Sms__AfricasTalking__Username"] = "sandbox";
            settings["Sms__AfricasTalking__ApiKey"] = "at-api-key";
            settings["Sms__AfricasTalking__ApiBaseUrl"] = platform.AfricasTalkingApi.Urls[0];
        }
        return settings;
    }

    /// <summary>
    /// Senders who allowed contact and filed cases of theirs, written as Grievances writes them (for tests that need
    /// cases to act on or to count): <paramref name="count"/> cases at <paramref name="facilityId"/>; returns the first case's id.
    /// </summary>
    public static async Task<Guid> SeedCaseAsync(TestDatabase database, Guid? facilityId = null, string category = "wages-withheld", int count = 1)
    {
        var settings = Settings();
        var vault = new Traceability.Grievances.Privacy.PrivacyVault(new Traceability.Grievances.Privacy.PrivacyOptions
        {
            CurrentKeyId = settings["Privacy__CurrentKeyId"],
            Keys = new() { ["k1"] = settings["Privacy__Keys__k1"], ["k2"] = settings["Privacy__Keys__k2"] },
            PseudonymKey = settings["Privacy__PseudonymKey"],
        });
        var first = Guid.Empty;
        await using var connection = database.Open();
        for (var i = 0; i < count; i++)
        {
            var phone = $"+88019{Random.Shared.Next(10_000_000, 99_999_999)}";
            var pseudonym = vault.Pseudonym(phone);
            var id = Guid.CreateVersion7();
            first = first == Guid.Empty ? id : first;
            var now = DateTime.UtcNow;
            await Dapper.SqlMapper.ExecuteAsync(connection, """
                INSERT INTO grievances.sender (pseudonym, phone_cipher, gateway, gateway_number, language, state, draft, session_expires_at, opted_out,
                  window_started_at, window_count, version, updated_at)
                VALUES (@Pseudonym, @Phone, 'twilio', @Number, 'en', 'idle', NULL, @Now, false, @Now, 0, 0, @Now);
                INSERT INTO grievances.grievance_case (id, reference, pseudonym, tenant_id, language, facility_ids, facility_name, country, category, ilo_indicators,
                  description_cipher, contact_allowed, status, outcome, filed_at, acknowledge_by, feedback_by)
                VALUES (@Id, @Reference, @Pseudonym, 'grievances', 'en', @Facilities, NULL, NULL, @Category, '', @Description, true, 'filed', NULL,
                  @Now, @AcknowledgeBy, @FeedbackBy);
                """, new { Pseudonym = pseudonym, Phone = vault.Encrypt(phone), Number = OurNumber, Now = now, Id = id, Reference = Traceability.Grievances.Features.Converse.CaseReference.New(),
                    Facilities = facilityId?.ToString() ?? "", Category = category,
                    Description = vault.Encrypt("Wages of October not paid."), AcknowledgeBy = now.AddDays(7), FeedbackBy = now.AddMonths(3) });
        }
        return first;
    }

    /// <summary>
    /// Signs <paramref name="message"/> (sent to <paramref name="address"/>) as its gateway would: Twilio's webhooks over the
    /// public URL and the form's fields, the generic gateway's over the raw body; other paths are left alone.
    /// </summary>
    public static void SignAsGateway(HttpRequestMessage message, Uri address, byte[]? body)
    {
        if (address.AbsolutePath.StartsWith("/sms/twilio/", StringComparison.Ordinal))
        {
            var form = System.Web.HttpUtility.ParseQueryString(Encoding.UTF8.GetString(body ?? []));
            var fields = form.AllKeys.Where(k => k is not null)
                .SelectMany(k => form.GetValues(k)!.Select(v => new KeyValuePair<string, string>(k!, v))).ToList();
            message.Headers.TryAddWithoutValidation("X-Twilio-Signature", TwilioVectors.Sign(TwilioToken, PublicBaseUrl + address.PathAndQuery, fields));
        }
        else if (address.AbsolutePath.StartsWith("/sms/generic/", StringComparison.Ordinal))
        {
            message.Headers.TryAddWithoutValidation("X-Signature",
                Traceability.Grievances.Features.ReceiveSms.ReceiveSmsEndpoints.GenericSignature(GenericSecret, body ?? []));
        }
    }

    /// <summary>Binds a queue of the test's own to every exchange Grievances publishes to.</summary>
    private async Task TapAsync()
    {
        var factory = new ConnectionFactory
        {
            HostName = Infrastructure.RabbitHost, Port = Infrastructure.RabbitPort, UserName = Infrastructure.RabbitUser,
            Password = Infrastructure.RabbitPassword, VirtualHost = VirtualHost.Name,
        };
        _tapConnection = await factory.CreateConnectionAsync();
        _tapChannel = await _tapConnection.CreateChannelAsync();
        var queue = (await _tapChannel.QueueDeclareAsync("grievances-test-tap", durable: false, exclusive: true, autoDelete: true)).QueueName;
        foreach (var exchange in new[]
        {
            "Traceability.Contracts.Grievances:GrievanceFiled", "Traceability.Contracts.Grievances:GrievanceStatusChanged",
            "Traceability.Grievances.Features.ReceiveSms:SmsReceived", "Traceability.Grievances.Features.SendSms:SmsReplyQueued",
        })
        {
            await _tapChannel.ExchangeDeclareAsync(exchange, ExchangeType.Fanout, durable: true);
            await _tapChannel.QueueBindAsync(queue, exchange, "");
        }
        var consumer = new AsyncEventingBasicConsumer(_tapChannel);
        consumer.ReceivedAsync += (_, delivery) =>
        {
            BusMessages.Enqueue((delivery.Exchange, Encoding.UTF8.GetString(delivery.Body.Span)));
            return Task.CompletedTask;
        };
        await _tapChannel.BasicConsumeAsync(queue, autoAck: true, consumer);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var process in new[] { Grievances, Provenance, Risk })
        {
            if (process is not null)
            {
                await process.DisposeAsync();
            }
        }
        if (_tapChannel is not null)
        {
            await _tapChannel.DisposeAsync();
        }
        if (_tapConnection is not null)
        {
            await _tapConnection.DisposeAsync();
        }
        TwilioApi.Stop();
        GenericApi.Stop();
        AfricasTalkingApi.Stop();
        foreach (var owned in _owned)
        {
            await owned.DisposeAsync();
        }
        await Database.DisposeAsync();
        await VirtualHost.DisposeAsync();
    }
}
