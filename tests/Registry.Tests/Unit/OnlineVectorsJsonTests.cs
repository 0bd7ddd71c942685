using System.Text;
using System.Text.Json;
using MapsterMapper;
using Registry.Api.Infrastructure;
using Registry.Api.Online;
using Registry.Core.Online;

namespace Registry.Tests.Unit;

/// <summary>
/// The online answer's hand-written writer (ADR 0052) against the documented model: for generated vectors, its bytes equal
/// the serializer's bytes for the mapped <see cref="OnlineVectorsResponse"/>, with the API's own JSON options.
/// </summary>
public sealed class OnlineVectorsJsonTests
{
    private static readonly Mapper Mapper = new(MappingSetup.CreateWireConfig());
    private static readonly JsonSerializerOptions Json = Options();

    private static JsonSerializerOptions Options()
    {
        var json = new JsonSerializerOptions();
        ServiceSetup.ConfigureJson(json);
        return json;
    }

    private static readonly DateTimeOffset T0 = new(2025, 1, 2, 3, 4, 5, TimeSpan.Zero);

    // Every value type a feature can hold, and the edges of each: what the writer formats itself and what it hands on.
    private static readonly object?[] Samples =
    [
        0.0, -0.0, 1.5, -1e-300, 1e300, double.Epsilon, 123456789.123456789, 1.0 / 3, 42L, -1L, long.MaxValue, long.MinValue, true, false,
        "AAPL", "", "quote \" backslash \\ tab \t", "ünïcödé ✓ <script>&'+", "emoji 😀", T0, T0.AddTicks(1234567).ToOffset(TimeSpan.FromHours(5)), null,
    ];

    [Theory]
    [InlineData(1, 1, 0)]
    [InlineData(7, 3, 1)]
    [InlineData(50, 100, 2)]
    [InlineData(13, 40, 3)]
    public void The_writer_answers_byte_for_byte_what_the_documented_model_serializes_to(int memberCount, int entityCount, int seed)
    {
        var random = new Random(seed);
        var members = Enumerable.Range(0, memberCount)
            .Select(i => new OnlineMember(i % 5 == 4 ? $"odd<name>&{i}" : $"feature_{i:D2}", $"{1 + i % 3}.0.{i}", 1 + i % 3))
            .ToList();
        var vectors = Enumerable.Range(0, entityCount).Select(e => new OnlineVector(
            e % 3 == 2 ? $"entity \"{e}\" ü:*" : $"E{e}",
            members.Select(_ => random.Next(5) == 0 ? (OnlineValue?)null : Value(random)).ToArray())).ToList();
        Guid? normalizedWith = seed % 2 == 0 ? null : Guid.NewGuid();
        var answer = new OnlineVectors("tech_v1", "1.2.0", members, normalizedWith, T0.AddTicks(7), vectors);

        var written = JsonSerializer.SerializeToUtf8Bytes(new OnlineVectorsAnswer(answer), Json);
        var documented = JsonSerializer.SerializeToUtf8Bytes(Mapper.Map<OnlineVectorsResponse>(answer), Json);

        Assert.Equal(Encoding.UTF8.GetString(documented), Encoding.UTF8.GetString(written));
    }

    [Theory]
    [InlineData(1, 1, 4)]
    [InlineData(10, 7, 5)]
    [InlineData(50, 300, 6)] // about 1.4 MB: written across several flushes
    public async Task The_streamed_answer_is_the_same_bytes_as_the_documented_model(int memberCount, int entityCount, int seed)
    {
        var random = new Random(seed);
        var members = Enumerable.Range(0, memberCount).Select(i => new OnlineMember($"feature_{i:D2}", "1.0.0", 1)).ToList();
        var vectors = Enumerable.Range(0, entityCount).Select(e => new OnlineVector(
            e % 5 == 4 ? $"entity \"{e}\" ü:*" : $"E{e}",
            members.Select(_ => random.Next(5) == 0 ? (OnlineValue?)null : Value(random)).ToArray())).ToList();
        var answer = new OnlineVectors("tech_v1", "1.2.0", members, seed % 2 == 0 ? null : Guid.NewGuid(), T0, vectors);

        using var body = new MemoryStream();
        var pipe = System.IO.Pipelines.PipeWriter.Create(body);
        await OnlineVectorsJsonConverter.WriteAsync(pipe, answer, Json, default);
        await pipe.CompleteAsync();

        var documented = JsonSerializer.SerializeToUtf8Bytes(Mapper.Map<OnlineVectorsResponse>(answer), Json);
        Assert.Equal(Encoding.UTF8.GetString(documented), Encoding.UTF8.GetString(body.ToArray()));
    }

    /// <summary>Unnormalized (one object as value and raw value) or normalized; event times often shared, as one bar close is.</summary>
    private static OnlineValue Value(Random random)
    {
        var value = random.Next(4) == 0 ? random.NextDouble() * 1e4 - 5e3 : Samples[random.Next(Samples.Length)];
        var raw = random.Next(2) == 0 ? value : Samples[random.Next(Samples.Length)];
        var eventTs = random.Next(2) == 0
            ? T0
            : T0.AddSeconds(-random.Next(100_000)).AddTicks(random.Next(3) == 0 ? random.Next(9_999_999) : random.Next(10) * 1_000_000);
        // Ages as the service computes them (whole ticks), and any double at all.
        var age = random.Next(3) switch
        {
            0 => TimeSpan.FromTicks(random.NextInt64(0, TimeSpan.TicksPerDay * 5000)).TotalSeconds,
            1 => TimeSpan.FromTicks(random.NextInt64(0, 100_000)).TotalSeconds,
            _ => random.NextDouble() * Math.Pow(10, random.Next(-8, 12)),
        };
        return new OnlineValue(value, raw, eventTs, age);
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(1L)]
    [InlineData(999L)]
    [InlineData(9_999_999L)]
    [InlineData(10_000_000L)]
    [InlineData(10_000_001L)]
    [InlineData(864_000_000_000L)]
    [InlineData(999_999_999_999_999L)]
    [InlineData(1_000_000_000_000_000L)]
    [InlineData(1_234_567_890_123_456L)]
    public void Ages_at_the_edges_of_the_tick_path_are_written_as_the_serializer_writes_them(long ticks)
    {
        foreach (var age in new[] { TimeSpan.FromTicks(ticks).TotalSeconds, ticks / 1e7, BitConverter.Int64BitsToDouble(BitConverter.DoubleToInt64Bits(ticks / 1e7) + 1) })
        {
            var answer = new OnlineVectors("s", "1.0.0", [new OnlineMember("a", "1.0.0", 1)], null, T0,
                [new OnlineVector("E", [new OnlineValue(1.0, 1.0, T0, age)])]);
            Assert.Equal(Encoding.UTF8.GetString(JsonSerializer.SerializeToUtf8Bytes(Mapper.Map<OnlineVectorsResponse>(answer), Json)),
                Encoding.UTF8.GetString(JsonSerializer.SerializeToUtf8Bytes(new OnlineVectorsAnswer(answer), Json)));
        }
    }

    [Fact]
    public void A_value_the_serializer_refuses_is_refused_by_the_writer_too()
    {
        var answer = new OnlineVectors("s", "1.0.0", [new OnlineMember("a", "1.0.0", 1)], null, T0,
            [new OnlineVector("E", [new OnlineValue(double.NaN, double.NaN, T0, 0)])]);

        Assert.ThrowsAny<ArgumentException>(() => JsonSerializer.SerializeToUtf8Bytes(Mapper.Map<OnlineVectorsResponse>(answer), Json));
        Assert.ThrowsAny<ArgumentException>(() => JsonSerializer.SerializeToUtf8Bytes(new OnlineVectorsAnswer(answer), Json));
    }

    /// <summary>
    /// Writers are reused across answers of one member list (a set version's plan hands out one list): answers written one
    /// after another, after a refused value, and from several threads at once must each be the documented model's bytes.
    /// </summary>
    [Fact]
    public async Task Answers_of_one_member_list_written_in_turn_and_at_once_are_each_the_documented_bytes()
    {
        var members = Enumerable.Range(0, 12).Select(i => new OnlineMember(i % 4 == 3 ? $"odd<{i}>" : $"m_{i}", "1.0.0", 1)).ToList();
        OnlineVectors Answer(int seed)
        {
            var random = new Random(seed);
            var vectors = Enumerable.Range(0, 1 + seed % 4).Select(e => new OnlineVector($"E{seed}_{e}",
                members.Select(_ => random.Next(3) == 0 ? (OnlineValue?)null : Value(random)).ToArray())).ToList();
            return new OnlineVectors("reuse", "1.0.0", members, seed % 2 == 0 ? null : Guid.NewGuid(), T0.AddSeconds(seed), vectors);
        }
        void Check(OnlineVectors answer) => Assert.Equal(
            Encoding.UTF8.GetString(JsonSerializer.SerializeToUtf8Bytes(Mapper.Map<OnlineVectorsResponse>(answer), Json)),
            Encoding.UTF8.GetString(JsonSerializer.SerializeToUtf8Bytes(new OnlineVectorsAnswer(answer), Json)));

        for (var seed = 0; seed < 20; seed++) Check(Answer(seed));
        // A write refused half-way (a NaN after a string) returns its writer; the next answer must not carry any of it.
        var refused = new OnlineVectors("reuse", "1.0.0", members, null, T0, [new OnlineVector("E", [.. members.Select((_, i) =>
            (OnlineValue?)(i == 5 ? new OnlineValue(double.NaN, double.NaN, T0, 0) : new OnlineValue("text", "text", T0, 1)))])]);
        Assert.ThrowsAny<ArgumentException>(() => JsonSerializer.SerializeToUtf8Bytes(new OnlineVectorsAnswer(refused), Json));
        Check(Answer(21));
        await Task.WhenAll(Enumerable.Range(100, 8).Select(t => Task.Run(() =>
        {
            for (var seed = t * 50; seed < t * 50 + 50; seed++) Check(Answer(seed));
        })));
    }
}
