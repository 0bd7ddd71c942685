using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;
using Registry.Core.Common;
using Registry.DuckDb;

namespace Registry.Api.Operations;

/// <summary>
/// Collects the measurements /metrics shows from System.Diagnostics.Metrics: ASP.NET Core's request durations (by
/// route template, method and status), Npgsql's command and pool instruments, and the registry's own (rows ingested
/// and rejected, DuckDB statement durations and memory), and the runtime's memory and collections. Counters and
/// histograms accumulate from start-up; observable instruments are read at each scrape.
/// </summary>
public sealed class MetricsCollector : IDisposable
{
    /// <summary>Which meters are collected, and which of their instruments (null: all of them).</summary>
    private static readonly Dictionary<string, HashSet<string>?> Sources = new(StringComparer.Ordinal)
    {
        ["Microsoft.AspNetCore.Hosting"] = ["http.server.request.duration"],
        ["Npgsql"] = null,
        [RegistryMetrics.MeterName] = null,
        [DuckDbMetrics.MeterName] = null,
        [Registry.Core.Features.FeatureDefinitionCache.MeterName] = null,
        // The runtime's own meter: how much the process holds and how often the GC stops it (latency tails, memory peaks).
        ["System.Runtime"] = ["dotnet.process.memory.working_set", "dotnet.gc.last_collection.heap.size", "dotnet.gc.last_collection.memory.committed_size",
            "dotnet.gc.collections", "dotnet.gc.heap.total_allocated", "dotnet.gc.pause.time"],
    };

    /// <summary>Tags kept per instrument; the others are dropped so that the number of series stays bounded.</summary>
    private static readonly Dictionary<string, HashSet<string>> KeptTags = new(StringComparer.Ordinal)
    {
        ["http.server.request.duration"] = ["http.request.method", "http.route", "http.response.status_code"],
    };

    private static readonly double[] DefaultBuckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    private readonly ConcurrentDictionary<string, Family> _families = new(StringComparer.Ordinal);
    private readonly MeterListener _listener = new();
    private readonly IMeterFactory? _meterFactory;

    /// <param name="meterFactory">
    /// The host's factory: meters it created (ASP.NET Core's) are collected only from this host, not from another host
    /// in the same process. Meters created with <c>new Meter</c> (Npgsql's, the registry's) are process-wide.
    /// </param>
    public MetricsCollector(IMeterFactory? meterFactory = null)
    {
        _meterFactory = meterFactory;
        _listener.InstrumentPublished = Publish;
        _listener.SetMeasurementEventCallback<double>((i, m, t, s) => ((Family)s!).Record(m, t));
        _listener.SetMeasurementEventCallback<float>((i, m, t, s) => ((Family)s!).Record(m, t));
        _listener.SetMeasurementEventCallback<long>((i, m, t, s) => ((Family)s!).Record(m, t));
        _listener.SetMeasurementEventCallback<int>((i, m, t, s) => ((Family)s!).Record(m, t));
        _listener.SetMeasurementEventCallback<short>((i, m, t, s) => ((Family)s!).Record(m, t));
        _listener.SetMeasurementEventCallback<byte>((i, m, t, s) => ((Family)s!).Record(m, t));
        _listener.SetMeasurementEventCallback<decimal>((i, m, t, s) => ((Family)s!).Record((double)m, t));
        _listener.Start();
    }

    /// <summary>Every collected family in the Prometheus text format, sorted by name.</summary>
    public string Render()
    {
        _listener.RecordObservableInstruments();
        var text = new StringBuilder();
        foreach (var family in _families.Values.OrderBy(f => f.Name, StringComparer.Ordinal)) family.Render(text);
        return text.ToString();
    }

    public void Dispose() => _listener.Dispose();

    private void Publish(Instrument instrument, MeterListener listener)
    {
        if (!Sources.TryGetValue(instrument.Meter.Name, out var names) || names?.Contains(instrument.Name) == false) return;
        if (instrument.Meter.Scope is not null && _meterFactory is not null && !ReferenceEquals(instrument.Meter.Scope, _meterFactory)) return;
        var (kind, set) = KindOf(instrument);
        var name = PrometheusText.MetricName(instrument.Name, instrument.Unit, kind);
        var family = _families.GetOrAdd(name, _ => new Family(name, instrument.Description, kind, set,
            kind == MetricKind.Histogram ? BucketsOf(instrument) : [], KeptTags.GetValueOrDefault(instrument.Name)));
        // Two instruments with one Prometheus name (the same meter in two scopes) share a family only if they agree.
        if (family.Kind == kind) listener.EnableMeasurementEvents(instrument, family);
    }

    /// <summary>The Prometheus type, and whether a measurement replaces the value (observable) or adds to it.</summary>
    private static (MetricKind Kind, bool Set) KindOf(Instrument instrument)
    {
        var type = instrument.GetType();
        var generic = type.IsGenericType ? type.GetGenericTypeDefinition() : type;
        if (generic == typeof(Counter<>)) return (MetricKind.Counter, false);
        if (generic == typeof(ObservableCounter<>)) return (MetricKind.Counter, true);
        if (generic == typeof(Histogram<>)) return (MetricKind.Histogram, false);
        if (generic == typeof(UpDownCounter<>)) return (MetricKind.Gauge, false);
        return (MetricKind.Gauge, true); // ObservableGauge, ObservableUpDownCounter, Gauge
    }

    private static double[] BucketsOf(Instrument instrument) => instrument switch
    {
        Histogram<double> { Advice.HistogramBucketBoundaries: { Count: > 0 } b } => [.. b],
        Histogram<long> { Advice.HistogramBucketBoundaries: { Count: > 0 } b } => [.. b.Select(x => (double)x)],
        Histogram<int> { Advice.HistogramBucketBoundaries: { Count: > 0 } b } => [.. b.Select(x => (double)x)],
        _ => DefaultBuckets,
    };

    /// <summary>One metric family: its series by label set.</summary>
    private sealed class Family(string name, string? help, MetricKind kind, bool set, double[] buckets, HashSet<string>? keptTags)
    {
        private readonly ConcurrentDictionary<string, Series> _series = new(StringComparer.Ordinal);

        public string Name { get; } = name;

        public MetricKind Kind { get; } = kind;

        public void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var series = SeriesOf(tags);
            if (Kind != MetricKind.Histogram)
            {
                // Counters are added to by every request on every core: a lock per add was contended (profiled).
                if (set) Volatile.Write(ref series.Value, value);
                else Add(ref series.Value, value);
                return;
            }
            lock (series)
            {
                var i = 0;
                while (i < buckets.Length && value > buckets[i]) i++;
                if (i < buckets.Length) series.Buckets[i]++;
                series.Sum += value;
                series.Count++;
            }
        }

        public void Render(StringBuilder text)
        {
            if (_series.IsEmpty) return;
            PrometheusText.WriteHeader(text, Name, help, Kind);
            foreach (var (labels, series) in _series.OrderBy(s => s.Key, StringComparer.Ordinal))
            {
                if (Kind != MetricKind.Histogram)
                {
                    PrometheusText.WriteSample(text, Name, labels, Volatile.Read(ref series.Value));
                    continue;
                }
                lock (series) PrometheusText.WriteHistogram(text, Name, labels, buckets, series.Buckets, series.Sum, series.Count);
            }
        }

        private static void Add(ref double total, double value)
        {
            var seen = Volatile.Read(ref total);
            while (true)
            {
                var found = Interlocked.CompareExchange(ref total, seen + value, seen);
                if (found.Equals(seen)) return; // Equals, not ==: a NaN total must not spin forever
                seen = found;
            }
        }

        /// <summary>
        /// The series of a tag set, found by the tag values themselves: every request records several measurements, and
        /// formatting and sorting their label text each time cost more than the request's own work (profiled). The label
        /// text is made once per distinct tag set; the memory of tag sets is bounded, beyond it the text is made each time.
        /// </summary>
        private Series SeriesOf(ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var kept = new KeyValuePair<string, object?>[tags.Length];
            var n = 0;
            foreach (var tag in tags)
                if (keptTags is null || keptTags.Contains(tag.Key)) kept[n++] = tag;
            var key = new TagSet(n == kept.Length ? kept : kept[..n]);
            if (_byTags.TryGetValue(key, out var known)) return known;
            var series = _series.GetOrAdd(LabelsOf(tags), _ => new Series(buckets.Length));
            if (_byTags.Count < MaxTagSets) _byTags.TryAdd(key, series);
            return series;
        }

        private const int MaxTagSets = 10_000;
        private readonly ConcurrentDictionary<TagSet, Series> _byTags = new();

        private string LabelsOf(ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            if (tags.IsEmpty) return "";
            var kept = new List<KeyValuePair<string, string>>(tags.Length);
            foreach (var (key, value) in tags)
            {
                if (keptTags is not null && !keptTags.Contains(key)) continue;
                var text = Convert.ToString(value, CultureInfo.InvariantCulture) ?? "";
                // Npgsql names a pool without a Name after its connection string: never a label (nor a series per string).
                if (key == "db.client.connection.pool.name" && text.Contains('=', StringComparison.Ordinal)) text = "unnamed";
                kept.Add(new(key, text));
            }
            return PrometheusText.Labels(kept);
        }
    }

    /// <summary>Kept tags in the order given, equal when each key and value is.</summary>
    private readonly struct TagSet(KeyValuePair<string, object?>[] tags) : IEquatable<TagSet>
    {
        private readonly KeyValuePair<string, object?>[] _tags = tags;

        public bool Equals(TagSet other)
        {
            if (_tags.Length != other._tags.Length) return false;
            for (var i = 0; i < _tags.Length; i++)
                if (!string.Equals(_tags[i].Key, other._tags[i].Key, StringComparison.Ordinal) || !Equals(_tags[i].Value, other._tags[i].Value)) return false;
            return true;
        }

        public override bool Equals(object? obj) => obj is TagSet other && Equals(other);

        public override int GetHashCode()
        {
            var hash = new HashCode();
            foreach (var (key, value) in _tags)
            {
                hash.Add(key, StringComparer.Ordinal);
                hash.Add(value);
            }
            return hash.ToHashCode();
        }
    }

    private sealed class Series(int buckets)
    {
        public double Value;
        public double Sum;
        public long Count;
        public readonly long[] Buckets = new long[buckets];
    }
}
