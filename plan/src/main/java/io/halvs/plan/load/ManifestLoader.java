package io.halvs.plan.load;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.halvs.api.v1alpha1.DirectorPair;
import io.halvs.api.v1alpha1.HalvsApi;
import io.halvs.api.v1alpha1.RealServer;
import io.halvs.api.v1alpha1.VirtualService;
import io.halvs.plan.ObjectRef;
import io.halvs.plan.PlanInput;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Reads halvs objects from YAML files and folders as a GitOps repository holds them: multi-document files,
 * folders walked recursively in sorted order, other kinds (Namespace, ConfigMap, kustomization.yaml) skipped.
 * Unknown fields are errors, like kubectl's strict field validation, so a typo never silently changes meaning.
 * Nothing escapes as an exception: every problem names its file and document.
 */
public final class ManifestLoader {
  private static final Map<String, Class<? extends HasMetadata>> KINDS = Map.of(
      "VirtualService", VirtualService.class, "RealServer", RealServer.class, "DirectorPair", DirectorPair.class);

  private final ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
  private final ObjectMapper strict = new ObjectMapper()
      .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .enable(DeserializationFeature.FAIL_ON_NUMBERS_FOR_ENUMS)
      .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT);

  /** What was read: the objects, where each came from, and every problem as "file: message". */
  public record Result(PlanInput input, Map<ObjectRef, Path> origins, List<String> problems) {}

  public Result load(List<Path> paths) {
    List<DirectorPair> pairs = new ArrayList<>();
    List<VirtualService> services = new ArrayList<>();
    List<RealServer> servers = new ArrayList<>();
    Map<ObjectRef, Path> origins = new HashMap<>();
    List<String> problems = new ArrayList<>();
    for (Path file : files(paths, problems)) {
      List<Object> converted;
      try {
        converted = parse(file);
      } catch (IOException e) {
        problems.add(file + ": not valid YAML: " + firstLine(e));
        continue;
      }
      for (Object o : converted) {
        if (o == null) {
          continue;
        }
        if (o instanceof String problem) {
          problems.add(problem);
          continue;
        }
        HasMetadata object = (HasMetadata) o;
        ObjectRef ref = ObjectRef.of(object);
        if (origins.containsKey(ref)) {
          problems.add(file + ": " + ref + " is defined again (first in " + origins.get(ref) + ")");
          continue;
        }
        origins.put(ref, file);
        if (object instanceof DirectorPair dp) {
          pairs.add(dp);
        } else if (object instanceof VirtualService vs) {
          services.add(vs);
        } else {
          servers.add((RealServer) object);
        }
      }
    }
    return new Result(new PlanInput(pairs, services, servers), origins, problems);
  }

  /** One document: the halvs object it holds, a problem (String), or null for someone else's object. */
  private Object convert(Path file, int i, JsonNode doc) {
    if (doc == null || doc.isNull() || doc.isMissingNode() || (doc.isObject() && doc.isEmpty())) {
      return null;
    }
    String where = file + ": document " + (i + 1);
    if (!doc.isObject()) {
      return where + ": not a Kubernetes object";
    }
    String kind = doc.path("kind").asText("");
    String apiVersion = doc.path("apiVersion").asText("");
    boolean halvsGroup = apiVersion.startsWith(HalvsApi.GROUP + "/");
    if (!KINDS.containsKey(kind) || (!halvsGroup && !apiVersion.isEmpty())) {
      return halvsGroup ? where + ": unknown halvs.io kind '" + kind + "' (VirtualService, RealServer, DirectorPair)"
          : null; // someone else's object
    }
    if (!apiVersion.equals(HalvsApi.API_VERSION)) {
      return where + ": " + kind + " has apiVersion '" + apiVersion + "', expected " + HalvsApi.API_VERSION;
    }
    String name = doc.path("metadata").path("name").asText("");
    if (name.isEmpty()) {
      return where + ": " + kind + " has no metadata.name";
    }
    HasMetadata object;
    try {
      object = strict.treeToValue(doc, KINDS.get(kind));
    } catch (JsonProcessingException e) {
      return where + ": " + kind + " " + name + ": " + explain(e);
    }
    if (!(object instanceof DirectorPair)
        && (object.getMetadata().getNamespace() == null || object.getMetadata().getNamespace().isEmpty())) {
      object.getMetadata().setNamespace("default"); // as kubectl does
    }
    return object;
  }

  /** A line that is only a document marker: the one place a multi-document file can be cut. */
  private static final java.util.regex.Pattern DOCUMENT_MARKER = java.util.regex.Pattern.compile("(?m)^---[ \t]*$");

  private static final java.util.regex.Pattern KIND_LINE = java.util.regex.Pattern.compile("(?m)^kind:[ \t]*(\\w+)[ \t]*$");
  private static final java.util.regex.Pattern API_LINE =
      java.util.regex.Pattern.compile("(?m)^apiVersion:[ \t]*(\\S+)[ \t]*$");
  private final ObjectMapper strictYaml = new ObjectMapper(new YAMLFactory())
      .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .enable(DeserializationFeature.FAIL_ON_NUMBERS_FOR_ENUMS)
      .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT);

  /**
   * The objects (or problems, or nulls for other kinds) of one file, in file order. A large file (a GitOps repo
   * with 100,000 real servers) is cut at its "---" lines and the pieces read on all cores, a halvs document
   * straight into its class; the result is the same as one sequential read.
   */
  private List<Object> parse(Path file) throws IOException {
    String text = Files.readString(file);
    if (text.length() < 1 << 20 || text.contains("\n--- ") || text.contains("\n...")) {
      List<JsonNode> docs = readAll(text);
      List<Object> out = new ArrayList<>();
      for (int i = 0; i < docs.size(); i++) {
        out.add(convert(file, i, docs.get(i)));
      }
      return out;
    }
    String[] pieces = DOCUMENT_MARKER.split(text);
    try {
      return java.util.stream.IntStream.range(0, pieces.length).parallel()
          .mapToObj(i -> convertPiece(file, i, pieces[i])).flatMap(List::stream).toList();
    } catch (java.io.UncheckedIOException e) {
      throw e.getCause();
    }
  }

  /** One piece between document markers: usually one document. */
  private List<Object> convertPiece(Path file, int index, String piece) {
    java.util.regex.Matcher kind = KIND_LINE.matcher(piece);
    java.util.regex.Matcher api = API_LINE.matcher(piece);
    String kindName = kind.find() ? kind.group(1) : null;
    boolean oneDocument = kindName != null && !kind.find(); // a second kind line: several documents, use the tree
    if (oneDocument && api.find() && KINDS.containsKey(kindName) && HalvsApi.API_VERSION.equals(api.group(1))) {
      try {
        HasMetadata object = strictYaml.readerFor(KINDS.get(kindName)).readValue(piece);
        if (object.getMetadata() == null || object.getMetadata().getName() == null) {
          return java.util.Collections.singletonList(file + ": document " + (index + 1) + ": " + kindName
              + " has no metadata.name");
        }
        if (!(object instanceof DirectorPair) && (object.getMetadata().getNamespace() == null
            || object.getMetadata().getNamespace().isEmpty())) {
          object.getMetadata().setNamespace("default");
        }
        return java.util.Collections.singletonList(object);
      } catch (JsonProcessingException e) {
        // Fall through: the tree path gives the same message as for small files.
      }
    }
    try {
      List<JsonNode> docs = readAll(piece);
      List<Object> out = new ArrayList<>();
      for (JsonNode d : docs) {
        out.add(convert(file, index, d));
      }
      return out;
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private List<JsonNode> readAll(String text) throws IOException {
    try (JsonParser parser = yaml.getFactory().createParser(text);
        MappingIterator<JsonNode> it = yaml.readValues(parser, JsonNode.class)) {
      return it.readAll();
    }
  }

  private static List<Path> files(List<Path> paths, List<String> problems) {
    List<Path> out = new ArrayList<>();
    for (Path p : paths) {
      if (Files.isDirectory(p)) {
        try (Stream<Path> walk = Files.walk(p)) {
          walk.filter(Files::isRegularFile).filter(ManifestLoader::isYaml).sorted().forEach(out::add);
        } catch (IOException e) {
          problems.add(p + ": cannot read folder: " + firstLine(e));
        }
      } else if (Files.isRegularFile(p)) {
        out.add(p);
      } else {
        problems.add(p + ": no such file or folder");
      }
    }
    return out;
  }

  private static boolean isYaml(Path p) {
    String n = p.getFileName().toString();
    return n.endsWith(".yaml") || n.endsWith(".yml");
  }

  /** Jackson's complaint in the user's terms: the field path and what is wrong with it. */
  static String explain(JsonProcessingException e) {
    String path = e instanceof JsonMappingException m ? path(m.getPath()) : "";
    if (e instanceof UnrecognizedPropertyException u) {
      // Jackson's path already ends with the unknown property.
      return "unknown field \"" + (path.isEmpty() ? u.getPropertyName() : path) + "\"";
    }
    if (e instanceof InvalidFormatException f && f.getTargetType() != null && f.getTargetType().isEnum()) {
      return path + ": '" + f.getValue() + "' is not one of " + enumValues(f.getTargetType());
    }
    if (e instanceof MismatchedInputException m && m.getTargetType() != null) {
      String expected = m.getTargetType().isEnum() ? "one of " + enumValues(m.getTargetType())
          : m.getTargetType().getSimpleName().toLowerCase(java.util.Locale.ROOT)
              .replace("integer", "an integer").replace("long", "an integer").replace("boolean", "true or false")
              .replace("string", "a string");
      return path + ": expected " + expected;
    }
    return (path.isEmpty() ? "" : path + ": ") + firstLine(e);
  }

  private static String path(List<JsonMappingException.Reference> refs) {
    StringBuilder b = new StringBuilder();
    for (JsonMappingException.Reference r : refs) {
      if (r.getFieldName() != null) {
        b.append(b.length() == 0 ? "" : ".").append(r.getFieldName());
      } else if (r.getIndex() >= 0) {
        b.append('[').append(r.getIndex()).append(']');
      }
    }
    return b.toString();
  }

  private static String enumValues(Class<?> type) {
    return Arrays.stream(type.getFields()).filter(java.lang.reflect.Field::isEnumConstant)
        .map(f -> {
          JsonProperty p = f.getAnnotation(JsonProperty.class);
          return p != null ? p.value() : f.getName();
        }).collect(Collectors.joining(", ", "[", "]"));
  }

  private static String firstLine(Exception e) {
    String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    int nl = m.indexOf('\n');
    return nl < 0 ? m : m.substring(0, nl);
  }
}
