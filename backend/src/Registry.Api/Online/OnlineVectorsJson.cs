using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Registry.Api.Infrastructure;
using Registry.Core.Online;

namespace Registry.Api.Online;

/// <summary>
/// The online answer as it goes on the wire: the service's vectors, written by <see cref="OnlineVectorsJsonConverter"/>
/// in exactly the shape of <see cref="OnlineVectorsResponse"/> (the documented contract, which tests hold it equal to).
/// </summary>
/// <remarks>As an action's result it streams itself to the body (<see cref="OnlineVectorsJsonConverter.WriteAsync"/>).</remarks>
[JsonConverter(typeof(OnlineVectorsJsonConverter))]
public sealed class OnlineVectorsAnswer(OnlineVectors vectors) : ActionResult
{
    public OnlineVectors Vectors { get; } = vectors;

    public override Task ExecuteResultAsync(ActionContext context)
    {
        var http = context.HttpContext;
        var options = http.RequestServices.GetRequiredService<IOptions<JsonOptions>>().Value.JsonSerializerOptions;
        http.Response.StatusCode = StatusCodes.Status200OK;
        http.Response.ContentType = "application/json; charset=utf-8";
        return OnlineVectorsJsonConverter.WriteAsync(http.Response.BodyWriter, Vectors, options, http.RequestAborted);
    }
}

/// <summary>
/// Writes vectors straight from the member-ordered rows (ADR 0052). Pivoting them into four maps of boxed values per
/// entity and letting the serializer resolve each value's type cost more than finding the values: 100 × 50 allocated
/// 20,000 map entries per answer and took longer to write than to read from Redis. Value types the fast path does not
/// know go through the serializer, so an answer never differs from the documented model's.
/// </summary>
public sealed class OnlineVectorsJsonConverter : AnswerJsonConverter<OnlineVectorsAnswer>
{
    private static readonly JsonEncodedText FeatureSetName = JsonEncodedText.Encode("feature_set_name");
    private static readonly JsonEncodedText FeatureSetVersion = JsonEncodedText.Encode("feature_set_version");
    private static readonly JsonEncodedText Features = JsonEncodedText.Encode("features");
    private static readonly JsonEncodedText FeatureName = JsonEncodedText.Encode("feature_name");
    private static readonly JsonEncodedText FeatureVersion = JsonEncodedText.Encode("feature_version");
    private static readonly JsonEncodedText ContractMajor = JsonEncodedText.Encode("contract_major");
    private static readonly JsonEncodedText NormalizedWith = JsonEncodedText.Encode("normalized_with");
    private static readonly JsonEncodedText ServedAt = JsonEncodedText.Encode("served_at");
    private static readonly JsonEncodedText VectorsName = JsonEncodedText.Encode("vectors");

    public override void Write(Utf8JsonWriter writer, OnlineVectorsAnswer value, JsonSerializerOptions options)
    {
        var v = value.Vectors;
        WriteHead(writer, v);
        using var vector = VectorWriter.Rent(v.Members, options);
        foreach (var e in v.Vectors) writer.WriteRawValue(vector.Write(e), skipInputValidation: true);
        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    /// <summary>
    /// The same bytes as <see cref="Write"/>, sent as they are made: the body is flushed every <see cref="FlushBytes"/>
    /// so the socket sends while the next vectors are written, and nothing holds the whole answer (100 × 50 is about
    /// 480 KB). Each vector is copied into the pipe in its own block-sized pieces, so no oversized buffer is rented.
    /// </summary>
    public static async Task WriteAsync(PipeWriter body, OnlineVectors v, JsonSerializerOptions options, CancellationToken ct)
    {
        using (var head = new Utf8JsonWriter(body, new JsonWriterOptions { Encoder = options.Encoder, SkipValidation = true }))
            WriteHead(head, v); // ends inside "vectors":[ (validation is off, the rest is written below)
        using var vector = VectorWriter.Rent(v.Members, options);
        var pending = 0;
        for (var i = 0; i < v.Vectors.Count; i++)
        {
            if (i > 0) body.Write(","u8);
            var bytes = vector.Write(v.Vectors[i]);
            body.Write(bytes);
            pending += bytes.Length + 1;
            if (pending < FlushBytes) continue;
            pending = 0;
            var flushed = await body.FlushAsync(ct);
            if (flushed.IsCanceled || flushed.IsCompleted) return; // the client went away
        }
        body.Write("]}"u8);
    }

    /// <summary>Large enough that a 1 × 10 answer goes in one write, small enough to overlap writing with sending.</summary>
    private const int FlushBytes = 256 * 1024;

    /// <summary>Everything before the vectors, ending with <c>"vectors":[</c>.</summary>
    private static void WriteHead(Utf8JsonWriter writer, OnlineVectors v)
    {
        var members = v.Members;
        writer.WriteStartObject();
        writer.WriteString(FeatureSetName, v.FeatureSetName);
        writer.WriteString(FeatureSetVersion, v.FeatureSetVersion);
        writer.WriteStartArray(Features);
        foreach (var m in members)
        {
            writer.WriteStartObject();
            writer.WriteString(FeatureName, m.FeatureName);
            writer.WriteString(FeatureVersion, m.FeatureVersion);
            writer.WriteNumber(ContractMajor, m.ContractMajor);
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
        if (v.NormalizedWith is { } snapshot) writer.WriteString(NormalizedWith, snapshot);
        else writer.WriteNull(NormalizedWith);
        writer.WriteString(ServedAt, v.ServedAt.UtcDateTime); // as UtcDateTimeOffsetConverter: 'Z', never '+00:00'
        writer.WriteStartArray(VectorsName);
    }

    /// <summary>
    /// One entity's vector as UTF-8 bytes, built by copying each member's pre-encoded <c>"name":</c> and its formatted value:
    /// 200 properties per entity were most of the writer's cost token by token. Formats exactly as <see cref="Utf8JsonWriter"/>
    /// does (the tests hold the bytes equal); strings and any other type go through a writer with the answer's options.
    /// </summary>
    private sealed class VectorWriter : IDisposable
    {
        private const int ValueSlot = 32; // "-1.7976931348623157E+308" is 24
        private const int InstantSlot = 32; // a quoted "O" instant is at most 30
        private static readonly byte[] EntityIdStart = "{\"entity_id\":"u8.ToArray();
        private static readonly byte[] ValuesStart = ",\"values\":{"u8.ToArray();
        private static readonly byte[] RawValuesStart = "},\"raw_values\":{"u8.ToArray();
        private static readonly byte[] EventTsStart = "},\"event_ts\":{"u8.ToArray();
        private static readonly byte[] AgeSecondsStart = "},\"age_seconds\":{"u8.ToArray();
        private static readonly byte[] MissingStart = "},\"missing_features\":["u8.ToArray();
        private static readonly byte[] End = "]}"u8.ToArray();

        private readonly JsonSerializerOptions _options;
        private readonly byte[][] _properties; // "name":
        private readonly byte[][] _strings; // "name"
        private readonly ArrayBufferWriter<byte> _out;
        private readonly Utf8JsonWriter _values;
        private readonly byte[] _formatted;
        private readonly int[] _formattedLengths;
        private readonly byte[] _instants;
        private readonly int[] _instantLengths;
        private readonly long[] _instantTicks;
        private readonly byte[] _number = new byte[ValueSlot];
        private readonly OnlineValue?[] _row;

        private readonly Names? _pool;

        private VectorWriter(Names names, int members, JsonSerializerOptions options, bool pooled)
        {
            _options = options;
            _properties = names.Properties;
            _strings = names.Strings;
            _pool = pooled ? names : null;
            _out = new ArrayBufferWriter<byte>(Math.Max(256, members * 160)); // about one entity's vector
            _values = new Utf8JsonWriter(_out, new JsonWriterOptions { Encoder = options.Encoder, SkipValidation = true });
            _formatted = new byte[members * ValueSlot];
            _formattedLengths = new int[members];
            _instants = new byte[members * InstantSlot];
            _instantLengths = new int[members];
            _instantTicks = new long[members];
            _row = new OnlineValue?[members];
        }

        /// <summary>
        /// A writer for this member list: an idle one of the same list when there is one. Its buffers (about 3 KB for ten
        /// members) were most of what a one-entity answer allocated; the cached instants stay valid, being keyed by ticks.
        /// </summary>
        public static VectorWriter Rent(IReadOnlyList<OnlineMember> members, JsonSerializerOptions options)
        {
            var (names, kept) = Names.Of(members, options);
            if (kept && names.TryTake(out var idle))
            {
                idle._values.Reset(); // a write that threw may have left it mid-value
                return idle;
            }
            return new VectorWriter(names, members.Count, options, pooled: kept);
        }

        public void Dispose()
        {
            if (_pool is not null && _pool.TryKeep(this)) return;
            _values.Dispose();
        }

        /// <summary>
        /// Members' names as JSON, kept with the plan's member list: a set version's members never change and the plan
        /// cache hands out one list per version, so they are encoded once, not on every request. Idle writers of the list
        /// wait here, at most <see cref="MaxIdle"/>.
        /// </summary>
        private sealed class Names
        {
            private const int MaxIdle = 16;
            private static readonly ConditionalWeakTable<IReadOnlyList<OnlineMember>, Names> Encoded = [];
            private readonly JavaScriptEncoder? _encoder;
            private readonly ConcurrentQueue<VectorWriter> _idle = new();
            private int _idleCount;

            private Names(IReadOnlyList<OnlineMember> members, JavaScriptEncoder? encoder)
            {
                _encoder = encoder;
                Properties = new byte[members.Count][];
                Strings = new byte[members.Count][];
                for (var i = 0; i < members.Count; i++)
                {
                    var name = JsonEncodedText.Encode(members[i].FeatureName, encoder).EncodedUtf8Bytes;
                    Strings[i] = [(byte)'"', .. name, (byte)'"'];
                    Properties[i] = [(byte)'"', .. name, (byte)'"', (byte)':'];
                }
            }

            public byte[][] Properties { get; }
            public byte[][] Strings { get; }

            /// <summary>The list's names, and whether they are the kept ones (other options: made for this answer only).</summary>
            public static (Names Names, bool Kept) Of(IReadOnlyList<OnlineMember> members, JsonSerializerOptions options)
            {
                var names = Encoded.GetValue(members, m => new Names(m, options.Encoder));
                return ReferenceEquals(names._encoder, options.Encoder) ? (names, true) : (new Names(members, options.Encoder), false);
            }

            public bool TryTake([NotNullWhen(true)] out VectorWriter? writer)
            {
                if (!_idle.TryDequeue(out writer)) return false;
                Interlocked.Decrement(ref _idleCount);
                return true;
            }

            public bool TryKeep(VectorWriter writer)
            {
                if (Interlocked.Increment(ref _idleCount) > MaxIdle)
                {
                    Interlocked.Decrement(ref _idleCount);
                    return false;
                }
                _idle.Enqueue(writer);
                return true;
            }
        }

        public ReadOnlySpan<byte> Write(OnlineVector e)
        {
            // Values are made as they are read (ServedValues): read each once, then write the five maps from the copy.
            var row = _row;
            for (var i = 0; i < row.Length; i++) row[i] = e.Values[i];
            _out.ResetWrittenCount();
            Copy(EntityIdStart);
            Json(e.EntityId);

            Copy(ValuesStart);
            var first = true;
            for (var i = 0; i < row.Length; i++)
            {
                if (row[i] is not { } x) continue;
                Property(i, ref first);
                // Unnormalized, a value and its raw value are one object: formatted once, written twice.
                if (x.Value is double d && ReferenceEquals(x.Value, x.RawValue) && FormatValue(i, d)) Copy(Formatted(i));
                else
                {
                    _formattedLengths[i] = 0;
                    Value(x.Value);
                }
            }
            Copy(RawValuesStart);
            first = true;
            for (var i = 0; i < row.Length; i++)
            {
                if (row[i] is not { } x) continue;
                Property(i, ref first);
                if (_formattedLengths[i] > 0) Copy(Formatted(i));
                else Value(x.RawValue);
            }
            Copy(EventTsStart);
            first = true;
            for (var i = 0; i < row.Length; i++)
            {
                if (row[i] is not { } x) continue;
                Property(i, ref first);
                Copy(Instant(i, x.EventTs));
            }
            Copy(AgeSecondsStart);
            first = true;
            for (var i = 0; i < row.Length; i++)
            {
                if (row[i] is not { } x) continue;
                Property(i, ref first);
                Age(x.AgeSeconds);
            }
            Copy(MissingStart);
            first = true;
            for (var i = 0; i < row.Length; i++)
            {
                if (row[i] is not null) continue;
                if (!first) Copy(","u8);
                first = false;
                Copy(_strings[i]);
            }
            Copy(End);
            return _out.WrittenSpan;
        }

        private void Property(int column, ref bool first)
        {
            if (!first) Copy(","u8);
            first = false;
            Copy(_properties[column]);
        }

        private void Copy(ReadOnlySpan<byte> bytes)
        {
            bytes.CopyTo(_out.GetSpan(bytes.Length));
            _out.Advance(bytes.Length);
        }

        private ReadOnlySpan<byte> Formatted(int column) => _formatted.AsSpan(column * ValueSlot, _formattedLengths[column]);

        private bool FormatValue(int column, double value)
        {
            // Non-finite doubles are left to the writer, which refuses them as the serializer does.
            if (!double.IsFinite(value)
                || !value.TryFormat(_formatted.AsSpan(column * ValueSlot, ValueSlot), out var written, default, CultureInfo.InvariantCulture))
            {
                _formattedLengths[column] = 0;
                return false;
            }
            _formattedLengths[column] = written;
            return true;
        }

        /// <summary>Anything but a finite double shared by value and raw value: through a writer with the answer's options.</summary>
        private void Value(object? value)
        {
            switch (value)
            {
                case null: Copy("null"u8); return;
                case long l:
                    l.TryFormat(_number, out var n, default, CultureInfo.InvariantCulture);
                    Copy(_number.AsSpan(0, n));
                    return;
                case bool b: Copy(b ? "true"u8 : "false"u8); return;
                case string s: _values.WriteStringValue(s); break;
                case double d: _values.WriteNumberValue(d); break;
                default: JsonSerializer.Serialize(_values, value, value.GetType(), _options); break;
            }
            _values.Flush();
            _values.Reset();
        }

        private void Json(string s)
        {
            _values.WriteStringValue(s);
            _values.Flush();
            _values.Reset();
        }

        /// <summary>
        /// An age is a whole number of ticks over 10⁷. From 1 s to 10⁸ s that decimal has at most 15 significant digits, so it
        /// is the shortest text that reads back as the same double, which is what the writer prints; formatting the integer
        /// ticks costs a fraction of the double algorithm. Anything else goes through the writer.
        /// </summary>
        private void Age(double seconds)
        {
            var ticks = (long)Math.Round(seconds * TimeSpan.TicksPerSecond);
            if (seconds is < 1 or >= 1e8 || (double)ticks / TimeSpan.TicksPerSecond != seconds)
            {
                Value(seconds);
                return;
            }
            var span = _number.AsSpan();
            (ticks / TimeSpan.TicksPerSecond).TryFormat(span, out var n, default, CultureInfo.InvariantCulture);
            var fraction = ticks % TimeSpan.TicksPerSecond;
            if (fraction != 0)
            {
                span[n++] = (byte)'.';
                fraction.TryFormat(span[n..], out var f, "D7", CultureInfo.InvariantCulture);
                n += f;
                while (span[n - 1] == (byte)'0') n--;
            }
            Copy(span[..n]);
        }

        /// <summary>
        /// The instant in UTC, quoted, the fraction's trailing zeros trimmed, as the writer writes a DateTime. Latest values of
        /// a feature mostly share one event time across entities (one bar close), so it is formatted once per run of it.
        /// </summary>
        private ReadOnlySpan<byte> Instant(int column, DateTimeOffset instant)
        {
            var utc = instant.UtcDateTime;
            var slot = _instants.AsSpan(column * InstantSlot, InstantSlot);
            if (_instantLengths[column] > 0 && _instantTicks[column] == utc.Ticks) return slot[.._instantLengths[column]];

            slot[0] = (byte)'"';
            utc.TryFormat(slot[1..], out var written, "O", CultureInfo.InvariantCulture); // yyyy-MM-ddTHH:mm:ss.fffffffZ
            var end = written; // the 'Z', after the opening quote
            const int fraction = 21; // after the '.'
            while (end > fraction && slot[end - 1] == (byte)'0') end--;
            if (end == fraction) end--; // no fraction left: drop the '.'
            slot[end++] = (byte)'Z';
            slot[end++] = (byte)'"';
            _instantTicks[column] = utc.Ticks;
            _instantLengths[column] = end;
            return slot[..end];
        }
    }
}
