using System.Globalization;
using Npgsql;

namespace Traceability.Benchmarks;

/// <summary>
/// Where the CPU went during a scenario, per record: utime + stime from /proc of PostgreSQL (the
/// postmaster and every backend, living or reaped), Provenance, Risk, the RabbitMQ node and the load
/// generator itself, and the peer EPCIS repository when one runs here (bench/peer.sh: FasTnT.Host.dll on
/// PEER_PORT). CPU time per record is far less sensitive to other load on the machine than records per second. With pg_stat_statements loaded, the statements that cost the database most.
/// </summary>
internal sealed class Profile(string connectionString)
{
    // USER_HZ is 100 on every Linux the project runs on (sysconf(_SC_CLK_TCK)): one tick is 10 ms.
    private const double MillisecondsPerTick = 10;

    private readonly int _provenancePort = Port("PROVENANCE_PORT", 5201);
    private readonly int _riskPort = Port("RISK_PORT", 5204);
    private readonly int _peerPort = Port("PEER_PORT", 5255);
    private bool _statements;

    public static bool Supported => OperatingSystem.IsLinux() && Directory.Exists("/proc");

    /// <summary>CPU milliseconds so far, per process group.</summary>
    public IReadOnlyDictionary<string, double> Sample()
    {
        var processes = Processes();
        var children = processes.ToLookup(p => p.ParentId);
        var sample = new Dictionary<string, double>(StringComparer.Ordinal)
        {
            ["postgres"] = PidFromFile(PostmasterPidFile()) is { } postmaster ? Tree(processes, children, postmaster) : double.NaN,
            ["provenance"] = Service(processes, "Traceability.Provenance.dll", _provenancePort),
            ["risk"] = Service(processes, "Traceability.Risk.dll", _riskPort),
            ["rabbitmq"] = PidFromFile(RabbitPidFile()) is { } beam ? Tree(processes, children, beam) : double.NaN,
            ["peer"] = Service(processes, "FasTnT.Host.dll", _peerPort),
            ["load generator"] = Environment.ProcessId is var self && processes.FirstOrDefault(p => p.Id == self) is { } me ? me.OwnMilliseconds : double.NaN,
        };
        return sample;
    }

    /// <summary>
    /// Context switches so far (voluntary and involuntary, every thread) of PostgreSQL's living processes, Provenance,
    /// Risk and the RabbitMQ node: each round trip, broker message and thread-pool hand-off costs some, and unlike CPU
    /// time their count per record hardly moves with other load on the machine.
    /// </summary>
    public IReadOnlyDictionary<string, long> Switches()
    {
        var processes = Processes();
        var children = processes.ToLookup(p => p.ParentId);
        long Tree(int? root) => root is { } r ? Descendants(children, r).Sum(ThreadSwitches) : 0;
        long Of(string assembly, int port) => processes
            .Where(p => CommandLine(p.Id) is { } line && line.Contains(assembly, StringComparison.Ordinal) && line.Contains($"127.0.0.1:{port}", StringComparison.Ordinal))
            .Sum(p => ThreadSwitches(p.Id));
        return new Dictionary<string, long>(StringComparer.Ordinal)
        {
            ["postgres"] = Tree(PidFromFile(PostmasterPidFile())),
            ["provenance"] = Of("Traceability.Provenance.dll", _provenancePort),
            ["risk"] = Of("Traceability.Risk.dll", _riskPort),
            ["rabbitmq"] = Tree(PidFromFile(RabbitPidFile())),
        };
    }

    /// <summary>Prints the context switches per record of each process group.</summary>
    public static void PrintSwitches(IReadOnlyDictionary<string, long> before, IReadOnlyDictionary<string, long> after, long records, string unit)
    {
        if (records > 0)
        {
            Console.WriteLine($"    context switches per {unit}: " + string.Join(", ", after.Keys.Select(k =>
                string.Create(CultureInfo.InvariantCulture, $"{k} {(after[k] - before[k]) / (double)records:F1}"))));
        }
    }

    private static IEnumerable<int> Descendants(ILookup<int, ProcStat> children, int root)
    {
        var pending = new Stack<int>([root]);
        while (pending.TryPop(out var pid))
        {
            yield return pid;
            foreach (var child in children[pid])
            {
                pending.Push(child.Id);
            }
        }
    }

    private static long ThreadSwitches(int pid)
    {
        long sum = 0;
        try
        {
            foreach (var task in Directory.EnumerateDirectories($"/proc/{pid}/task"))
            {
                try
                {
                    foreach (var line in File.ReadLines(Path.Combine(task, "status")))
                    {
                        if (line.StartsWith("voluntary_ctxt_switches:", StringComparison.Ordinal) || line.StartsWith("nonvoluntary_ctxt_switches:", StringComparison.Ordinal))
                        {
                            sum += long.Parse(line[(line.IndexOf(':') + 1)..].Trim(), CultureInfo.InvariantCulture);
                        }
                    }
                }
                catch (IOException)
                {
                    // The thread ended meanwhile.
                }
            }
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            // The process ended meanwhile.
        }
        return sum;
    }

    private static List<ProcStat> Processes() => Directory.EnumerateDirectories("/proc")
        .Select(d => int.TryParse(Path.GetFileName(d), out var pid) ? pid : 0)
        .Where(pid => pid > 0)
        .Select(Read)
        .OfType<ProcStat>()
        .ToList();

    public async Task ResetStatementsAsync()
    {
        try
        {
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync();
            // Works only where the cluster loads the library (shared_preload_libraries); elsewhere the CPU profile is printed alone.
            await using var create = new NpgsqlCommand("CREATE EXTENSION IF NOT EXISTS pg_stat_statements", connection);
            await create.ExecuteNonQueryAsync();
            await using var command = new NpgsqlCommand("SELECT pg_stat_statements_reset()", connection);
            await command.ExecuteNonQueryAsync();
            _statements = true;
        }
        catch (PostgresException)
        {
            _statements = false;
        }
    }

    /// <summary>Prints the CPU per record of each process group and the costliest statements; returns each group's CPU per record.</summary>
    public async Task<IReadOnlyDictionary<string, double>> PrintAsync(IReadOnlyDictionary<string, double> before, IReadOnlyDictionary<string, double> after, long records, string unit)
    {
        if (records == 0)
        {
            return new Dictionary<string, double>();
        }
        var parts = after.Keys.Select(k => (Name: k, Ms: (after[k] - before[k]) / records)).Where(p => !double.IsNaN(p.Ms)).ToList();
        var total = parts.Sum(p => p.Ms);
        Console.WriteLine($"    CPU ms per {unit}: " + string.Join(", ", parts.Select(p => $"{p.Name} {p.Ms:F3}")) + $"; all {total:F3}");
        var perRecord = parts.ToDictionary(p => p.Name, p => p.Ms, StringComparer.Ordinal);
        if (!_statements)
        {
            return perRecord;
        }
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        // Every database of the cluster: ours, or the peer's when the scenario drove the peer (one system runs at a time).
        await using var command = new NpgsqlCommand("""
            SELECT calls, total_exec_time, total_plan_time, query FROM pg_stat_statements
            ORDER BY total_exec_time + total_plan_time DESC LIMIT 12
            """, connection);
        await using var reader = await command.ExecuteReaderAsync();
        Console.WriteLine($"    {"calls/" + unit,14} {"exec ms/" + unit,14} {"plan ms/" + unit,14}  statement");
        while (await reader.ReadAsync())
        {
            var query = string.Join(' ', reader.GetString(3).Split((char[])[' ', '\n', '\r', '\t'], StringSplitOptions.RemoveEmptyEntries));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"    {reader.GetInt64(0) / (double)records,14:F3} {reader.GetDouble(1) / records,14:F4} {reader.GetDouble(2) / records,14:F4}  {(query.Length > 110 ? query[..110] + "…" : query)}"));
        }
        return perRecord;
    }

    private static double Tree(List<ProcStat> processes, ILookup<int, ProcStat> children, int root)
    {
        var top = processes.FirstOrDefault(p => p.Id == root);
        if (top is null)
        {
            return double.NaN;
        }
        // A reaped child's time is in its parent's cutime/cstime, so a backend that exits mid-run still counts.
        var sum = top.OwnMilliseconds + top.ChildrenMilliseconds;
        var pending = new Stack<int>([root]);
        while (pending.TryPop(out var pid))
        {
            foreach (var child in children[pid])
            {
                sum += child.OwnMilliseconds + child.ChildrenMilliseconds;
                pending.Push(child.Id);
            }
        }
        return sum;
    }

    private static double Service(List<ProcStat> processes, string assembly, int port)
    {
        var match = processes.Where(p => CommandLine(p.Id) is { } line && line.Contains(assembly, StringComparison.Ordinal)
            && line.Contains($"127.0.0.1:{port}", StringComparison.Ordinal)).ToList();
        return match.Count == 0 ? double.NaN : match.Sum(p => p.OwnMilliseconds);
    }

    private static string? CommandLine(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ');
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static ProcStat? Read(int pid)
    {
        try
        {
            var text = File.ReadAllText($"/proc/{pid}/stat");
            // The command name is in parentheses and may contain spaces: fields are counted after the last ')'.
            var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
            long Field(int number) => long.Parse(fields[number - 3], CultureInfo.InvariantCulture);
            return new ProcStat(pid, (int)Field(4), (Field(14) + Field(15)) * MillisecondsPerTick, (Field(16) + Field(17)) * MillisecondsPerTick);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return null;
        }
    }

    private static int? PidFromFile(string? path)
    {
        try
        {
            return path is not null && File.Exists(path) && int.TryParse(File.ReadLines(path).First().Trim(), out var pid) ? pid : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static string? PostmasterPidFile() =>
        Environment.GetEnvironmentVariable("TRACEABILITY_PG_SOCKET_DIR") is { Length: > 0 } dir ? Path.Combine(dir, "data", "postmaster.pid") : null;

    private static string? RabbitPidFile() => Environment.GetEnvironmentVariable("TRACEABILITY_RABBIT_PID_FILE");

    private static int Port(string name, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), out var port) ? port : fallback;

    private sealed record ProcStat(int Id, int ParentId, double OwnMilliseconds, double ChildrenMilliseconds);
}
