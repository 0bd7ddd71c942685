using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Registry.Tests.Infrastructure;
using static Registry.Tests.Snapshots.SnapshotApi;

namespace Registry.Tests.Snapshots;

/// <summary>What a snapshot writes: the files, their layout, counts and checksums, and the point-in-time rows in them.</summary>
public sealed class SnapshotFileTests(RegistryApiFactory api) : IClassFixture<RegistryApiFactory>
{
    private readonly HttpClient _client = api.CreateClient();

    [Fact]
    public async Task Daily_files_read_back_by_DuckDB_match_the_record_row_for_row_and_byte_for_byte()
    {
        await SeedAsync(_client, "sf_daily");
        var snapshot = await _client.CreateSnapshotAsync("sf_daily_set", Body(Jan1, Jan1.AddDays(4), "1d", "AAPL", "MSFT"));

        Assert.Equal("sf_daily_set", (string)snapshot["feature_set_name"]!);
        Assert.Equal("1.0.0", (string)snapshot["feature_set_version"]!);
        Assert.Equal("1d", (string)snapshot["timeframe"]!);
        Assert.Equal(["AAPL", "MSFT"], snapshot["entity_ids"]!.AsArray().Select(e => (string)e!));
        Assert.Equal("snapshot-tests", (string)snapshot["created_by"]!);
        Assert.Equal("bootstrap", (string)snapshot["created_by_key"]!); // the key that made it, whatever created_by says
        Assert.Equal(8, (long)snapshot["row_count"]!); // 4 days × 2 entities
        var files = snapshot["files"]!.AsArray();
        Assert.Equal(["sf_daily_set/1d/20240101.parquet", "sf_daily_set/1d/20240102.parquet", "sf_daily_set/1d/20240103.parquet", "sf_daily_set/1d/20240104.parquet"],
            files.Select(f => (string)f!["path"]!));

        var dir = SnapshotDirectory(api, snapshot);
        long total = 0;
        foreach (var f in files)
        {
            var path = Path.Combine(dir, (string)f!["path"]!);
            var rows = ReadParquet([path], out var columns);
            Assert.Equal(["entity_id", "ts", "sf_daily_close", "sf_daily_volume", "sf_daily_sector"], columns);
            Assert.Equal((long)f["rows"]!, rows.Count);
            Assert.Equal((long)f["bytes"]!, new FileInfo(path).Length);
            Assert.Equal((string)f["sha256"]!, Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path))));
            // Every row of a day's file is on that day.
            var day = DateTime.ParseExact(Path.GetFileNameWithoutExtension(path), "yyyyMMdd", CultureInfo.InvariantCulture);
            Assert.All(rows, r => Assert.Equal(day, ((DateTimeOffset)r[1]!).UtcDateTime.Date));
            if (!OperatingSystem.IsWindows()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead, File.GetUnixFileMode(path));
            total += rows.Count;
        }
        Assert.Equal((long)snapshot["row_count"]!, total);

        // The checksum is SHA-256 of the sha256sum manifest: "{sha256}  {path}\n" per file, ordered by path.
        var manifest = string.Concat(files.Select(f => $"{(string)f!["sha256"]!}  {(string)f["path"]!}\n").Order(StringComparer.Ordinal));
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(manifest))), (string)snapshot["checksum"]!);

        // Exactly these files in the snapshot's directory, nothing left in staging.
        Assert.Equal(files.Select(f => (string)f!["path"]!).Order(StringComparer.Ordinal),
            Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories).Select(p => Path.GetRelativePath(dir, p).Replace('\\', '/')).Order(StringComparer.Ordinal));
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(Root(api), ".staging")));

        // Read back through the API: the same record.
        var read = (await (await _client.GetAsync(Url((string)snapshot["snapshot_id"]!))).ExpectAsync(200))!;
        Assert.Equal(snapshot.ToJsonString(), read.ToJsonString());
    }

    [Fact]
    public async Task Values_are_point_in_time_exactly_as_a_training_set_over_the_same_rows()
    {
        await SeedAsync(_client, "sf_pit");
        var set = "sf_pit_set";
        var features = new[] { "sf_pit_close", "sf_pit_volume", "sf_pit_sector" };
        foreach (var (timeframe, body) in new[]
                 {
                     ("1d", Body(Jan1, Jan1.AddDays(4), "1d", "AAPL", "MSFT", "NOBODY")),
                     ("4h", Body(Jan1.AddHours(10), Jan1.AddDays(3), "4h")),
                     ("raw", Body(Jan1, Jan1.AddDays(4))),
                 })
        {
            var snapshot = await _client.CreateSnapshotAsync(set, body);
            Assert.Equal(timeframe, (string)snapshot["timeframe"]!);
            var rows = ReadSnapshot(api, snapshot, out _);

            // The same labels through the training-set API, at the same pinned versions.
            var training = new JsonObject
            {
                ["features"] = new JsonArray(features.Select(f => (JsonNode)$"{f}@1.0.0").ToArray()),
                ["rows"] = new JsonArray(rows.Select(r => (JsonNode)new JsonObject { ["entity_id"] = (string)r[0]!, ["ts"] = At((DateTimeOffset)r[1]!) }).ToArray()),
            };
            var expected = (await (await _client.PostJsonAsync("/api/v1/training-sets", training.ToJsonString())).ExpectAsync(200))!["rows"]!.AsArray();
            Assert.Equal(expected.Count, rows.Count);
            for (var i = 0; i < rows.Count; i++)
            {
                Assert.Equal((double?)expected[i]!["sf_pit_close"], (double?)rows[i][2]);
                Assert.Equal((long?)expected[i]!["sf_pit_volume"], (long?)rows[i][3]);
                Assert.Equal((string?)expected[i]!["sf_pit_sector"], (string?)rows[i][4]);
            }
        }

        // And by hand, for the daily grid: on Jan 1 00:00 AAPL's close is Dec 31's (never Jan 1's, later that day), its
        // sector is carried from Dec 27; MSFT has nothing yet. On Jan 3 MSFT's close is Jan 2's null, its sector Jan 2's.
        var daily = await _client.CreateSnapshotAsync(set, Body(Jan1, Jan1.AddDays(4), "1d", "AAPL", "MSFT"));
        var byKey = ReadSnapshot(api, daily, out _).ToDictionary(r => ((string)r[0]!, ((DateTimeOffset)r[1]!).Day));
        Assert.Equal(new object?[] { 179.25, null, "tech" }, byKey[("AAPL", 1)][2..]);
        Assert.Equal(new object?[] { null, null, null }, byKey[("MSFT", 1)][2..]);
        Assert.Equal(new object?[] { 181.75, 1_000_000L + 7919, "tech" }, byKey[("AAPL", 3)][2..]);
        Assert.Equal(new object?[] { null, null, "software" }, byKey[("MSFT", 3)][2..]);
    }

    [Fact]
    public async Task A_timeframe_makes_an_aligned_grid_per_entity_and_raw_makes_one_row_per_stored_key()
    {
        await SeedAsync(_client, "sf_grid");

        // 1h from 10:30 on Jan 1 to 02:00 on Jan 2: 11:00 … 01:00, 15 instants on the hour; default entities are those
        // with a value in the range (AAPL, MSFT), not OLD (values only before the range).
        var hourly = await _client.CreateSnapshotAsync("sf_grid_set", Body(Jan1.AddHours(10.5), Jan1.AddDays(1).AddHours(2), "1h"));
        Assert.Null(hourly["entity_ids"]);
        var rows = ReadSnapshot(api, hourly, out _);
        Assert.Equal(30, rows.Count);
        Assert.Equal(30, (long)hourly["row_count"]!);
        Assert.Equal(["AAPL", "MSFT"], rows.Select(r => (string)r[0]!).Distinct().Order());
        var instants = rows.Select(r => (DateTimeOffset)r[1]!).Distinct().ToList();
        Assert.Equal(Enumerable.Range(0, 15).Select(h => Jan1.AddHours(11 + h)), instants);
        // Ordered by (ts, entity_id), split by UTC day.
        Assert.Equal(rows.OrderBy(r => (DateTimeOffset)r[1]!).ThenBy(r => (string)r[0]!, StringComparer.Ordinal), rows);
        Assert.Equal(["sf_grid_set/1h/20240101.parquet", "sf_grid_set/1h/20240102.parquet"], hourly["files"]!.AsArray().Select(f => (string)f!["path"]!));
        Assert.Equal([26L, 4L], hourly["files"]!.AsArray().Select(f => (long)f!["rows"]!));

        // raw over Jan 1 … Jan 5: every distinct stored (entity, event time) of any member in the range.
        var raw = await _client.CreateSnapshotAsync("sf_grid_set", Body(Jan1, Jan1.AddDays(4)));
        Assert.Equal("raw", (string)raw["timeframe"]!);
        var keys = ReadSnapshot(api, raw, out _).Select(r => $"{r[0]}@{(DateTimeOffset)r[1]!:MM-dd HH}").ToList();
        Assert.Equal(
            ["AAPL@01-01 21", "MSFT@01-01 21", "MSFT@01-02 12", "AAPL@01-02 21", "MSFT@01-02 21", "AAPL@01-03 21", "AAPL@01-04 21", "MSFT@01-04 21"],
            keys);
        Assert.Equal(["sf_grid_set/raw/20240101.parquet", "sf_grid_set/raw/20240102.parquet", "sf_grid_set/raw/20240103.parquet", "sf_grid_set/raw/20240104.parquet"],
            raw["files"]!.AsArray().Select(f => (string)f!["path"]!));

        // raw restricted to entities.
        var msft = await _client.CreateSnapshotAsync("sf_grid_set", Body(Jan1, Jan1.AddDays(4), null, "MSFT"));
        Assert.Equal(["MSFT"], ReadSnapshot(api, msft, out _).Select(r => (string)r[0]!).Distinct());
        Assert.Equal(4, (long)msft["row_count"]!);
    }

    [Trait("Store", TestStore.PostgreSqlOnly)] // reads PostgreSQL itself
    [Fact]
    public async Task Two_snapshots_never_share_or_overwrite_files_and_records_cannot_be_changed()
    {
        await SeedAsync(_client, "sf_immutable");
        var body = Body(Jan1, Jan1.AddDays(4), "1d", "AAPL", "MSFT");
        var first = await _client.CreateSnapshotAsync("sf_immutable_set", body);
        var second = await _client.CreateSnapshotAsync("sf_immutable_set", body);

        Assert.NotEqual((string)first["snapshot_id"]!, (string)second["snapshot_id"]!);
        var firstDir = SnapshotDirectory(api, first);
        var secondDir = SnapshotDirectory(api, second);
        Assert.NotEqual(firstDir, secondDir);
        // Same content, same checksum; the first snapshot's files are still exactly as recorded.
        Assert.Equal((string)first["checksum"]!, (string)second["checksum"]!);
        foreach (var f in first["files"]!.AsArray())
            Assert.Equal((string)f!["sha256"]!, Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(Path.Combine(firstDir, (string)f["path"]!)))));

        // No route changes a snapshot, and the database refuses it whatever the client.
        Assert.Equal(405, (int)(await _client.PutAsync(Url((string)first["snapshot_id"]!), HttpJson.Json("{}"))).StatusCode);
        Assert.Equal(405, (int)(await _client.DeleteAsync(Url((string)first["snapshot_id"]!))).StatusCode);
        await using var connection = new Npgsql.NpgsqlConnection(api.ConnectionString);
        await connection.OpenAsync();
        foreach (var sql in new[]
                 {
                     "UPDATE snapshots SET row_count = 1 WHERE snapshot_id = $1",
                     "DELETE FROM snapshots WHERE snapshot_id = $1",
                     "UPDATE snapshot_files SET sha256 = repeat('0', 64) WHERE snapshot_id = $1",
                     "UPDATE snapshot_features SET mean = 0 WHERE snapshot_id = $1",
                     "DELETE FROM snapshot_features WHERE snapshot_id = $1",
                 })
        {
            await using var cmd = new Npgsql.NpgsqlCommand(sql, connection);
            cmd.Parameters.Add(new() { Value = Guid.Parse((string)first["snapshot_id"]!) });
            var error = await Assert.ThrowsAsync<Npgsql.PostgresException>(() => cmd.ExecuteNonQueryAsync());
            Assert.Contains("immutable", error.MessageText, StringComparison.Ordinal);
        }
        var again = (await (await _client.GetAsync(Url((string)first["snapshot_id"]!))).ExpectAsync(200))!;
        Assert.Equal(first.ToJsonString(), again.ToJsonString());
    }

    [Fact]
    public async Task Snapshots_are_listed_newest_first_per_feature_set()
    {
        await SeedAsync(_client, "sf_list_a");
        await SeedAsync(_client, "sf_list_b");
        var a1 = await _client.CreateSnapshotAsync("sf_list_a_set", Body(Jan1, Jan1.AddDays(2), "1d", "AAPL"));
        var b1 = await _client.CreateSnapshotAsync("sf_list_b_set", Body(Jan1, Jan1.AddDays(4)));
        var a2 = await _client.CreateSnapshotAsync("sf_list_a_set", Body(Jan1, Jan1.AddDays(4), "4h"));

        var list = (await (await _client.GetAsync("/api/v1/snapshots?feature_set=sf_list_a_set")).ExpectAsync(200))!;
        Assert.Equal(2, (long)list["total"]!);
        Assert.Equal([(string)a2["snapshot_id"]!, (string)a1["snapshot_id"]!], list["snapshots"]!.AsArray().Select(s => (string)s!["snapshot_id"]!));
        var item = list["snapshots"]![1]!;
        Assert.Equal(a1["files"]!.AsArray().Count, (int)item["file_count"]!);
        Assert.Equal(a1["files"]!.AsArray().Sum(f => (long)f!["bytes"]!), (long)item["bytes"]!);
        Assert.Equal((string)a1["checksum"]!, (string)item["checksum"]!);
        Assert.Null(item["files"]);

        var page = (await (await _client.GetAsync("/api/v1/snapshots?skip=1&limit=1")).ExpectAsync(200))!;
        Assert.True((long)page["total"]! >= 3);
        Assert.Single(page["snapshots"]!.AsArray());
        var all = (await (await _client.GetAsync("/api/v1/snapshots?limit=500")).ExpectAsync(200))!["snapshots"]!.AsArray().Select(s => (string)s!["snapshot_id"]!).ToList();
        Assert.True(all.IndexOf((string)a2["snapshot_id"]!) < all.IndexOf((string)b1["snapshot_id"]!));
        Assert.True(all.IndexOf((string)b1["snapshot_id"]!) < all.IndexOf((string)a1["snapshot_id"]!));
    }
}
