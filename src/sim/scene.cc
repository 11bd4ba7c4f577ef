#include "sim/scene.h"

#include <cstdio>

namespace ocres::sim {

std::string fmt3(double a, double b, double c) {
  char buf[128];
  std::snprintf(buf, sizeof(buf), "%.9g %.9g %.9g", a, b, c);
  return buf;
}

std::string fmt4(double a, double b, double c, double d) {
  char buf[160];
  std::snprintf(buf, sizeof(buf), "%.9g %.9g %.9g %.9g", a, b, c, d);
  return buf;
}

namespace {

// The wrist camera rides on the hand body (as a camera clamped to a real Franka Hand does): 6 cm off
// the hand axis on the side away from the finger travel (hand -x), 3 cm above the flange, looking along
// the hand's z (towards the fingertips) tilted 0.3 rad in towards the axis, so that the fingers and the
// object between them are in view, fingers at the bottom of the image. MuJoCo cameras look along their
// -z with +y up in the image:
//   view direction d = (sin 0.3, 0, cos 0.3)  (hand frame)
//   camera x = -hand y, camera y = (-cos 0.3, 0, sin 0.3)   (x cross y = -d)
// A camera has no mass and no collision: adding it does not change the physics.
constexpr const char* kWristCamera =
    "<camera name=\"wrist\" pos=\"-0.06 0 0.03\" xyaxes=\"0 -1 0 -0.955336489 0 0.295520207\" fovy=\"75\"/>\n";

// Inserts the wrist camera as the first child of the body named "hand" (added by add_robot, which
// builds the robot's bodies as MJCF text); scenes without a robot are left alone.
std::string with_wrist_camera(const std::string& worldbody) {
  const size_t at = worldbody.find("<body name=\"hand\"");
  if (at == std::string::npos) return worldbody;
  const size_t eol = worldbody.find('\n', at);
  if (eol == std::string::npos) return worldbody;
  std::string w = worldbody;
  w.insert(eol + 1, kWristCamera);
  return w;
}

}  // namespace

std::string SceneBuilder::xml(const std::string& model_name, const SceneOptions& o) const {
  char option[256];
  std::snprintf(option, sizeof(option),
                "<option timestep=\"%.9g\" iterations=\"%d\" cone=\"%s\" impratio=\"%.9g\" solver=\"Newton\"/>",
                o.timestep_s, o.solver_iterations, o.elliptic_cones ? "elliptic" : "pyramidal", o.impratio);
  std::string s;
  s.reserve(16384);
  s += "<mujoco model=\"" + model_name + "\">\n";
  s += "<compiler angle=\"radian\" autolimits=\"true\"/>\n";
  s += option;
  s += "\n<size njmax=\"600\" nconmax=\"150\"/>\n";
  s += "<visual><global offwidth=\"1280\" offheight=\"960\"/><quality shadowsize=\"2048\"/></visual>\n";
  s += "<default>\n"
       "  <geom solref=\"0.01 1\" solimp=\"0.95 0.99 0.001\"/>\n"
       "  <default class=\"arm\"><geom contype=\"2\" conaffinity=\"0\" rgba=\"0.92 0.92 0.95 1\"/></default>\n"
       "  <default class=\"finger\"><geom contype=\"4\" conaffinity=\"1\" condim=\"4\" friction=\"1.0 0.01 0.0001\" "
       "rgba=\"0.2 0.2 0.2 1\"/></default>\n"
       "  <default class=\"object\"><geom contype=\"1\" conaffinity=\"3\" condim=\"4\" friction=\"1.0 0.01 0.0001\"/></default>\n"
       "  <default class=\"fixture\"><geom contype=\"8\" conaffinity=\"7\" condim=\"3\" friction=\"1.0 0.005 0.0001\"/></default>\n"
       "  <default class=\"table\"><geom contype=\"1\" conaffinity=\"1\" condim=\"3\" friction=\"1.0 0.005 0.0001\"/></default>\n"
       "  <default class=\"visual\"><geom contype=\"0\" conaffinity=\"0\" group=\"2\"/></default>\n";
  s += defaults;
  s += "</default>\n";
  s += "<asset>\n"
       "  <texture name=\"grid\" type=\"2d\" builtin=\"checker\" rgb1=\".55 .5 .45\" rgb2=\".5 .45 .4\" width=\"256\" height=\"256\"/>\n"
       "  <material name=\"table\" texture=\"grid\" texrepeat=\"6 6\"/>\n"
       "  <texture name=\"sky\" type=\"skybox\" builtin=\"gradient\" rgb1=\".8 .85 .9\" rgb2=\".3 .35 .4\" width=\"64\" height=\"64\"/>\n";
  s += assets;
  s += "</asset>\n<worldbody>\n";
  s += "  <light pos=\"0.4 -0.6 1.8\" dir=\"0 0.3 -1\" diffuse=\"0.8 0.8 0.8\" castshadow=\"true\"/>\n";
  s += "  <light pos=\"1.2 0.8 1.5\" dir=\"-0.5 -0.4 -1\" diffuse=\"0.4 0.4 0.4\" castshadow=\"false\"/>\n";
  // The robot base frame is the world frame; the table top is the plane z = 0.
  s += "  <geom name=\"table\" class=\"table\" type=\"box\" size=\"0.7 0.8 0.02\" pos=\"0.35 0 -0.02\" material=\"table\"/>\n";
  s += "  <camera name=\"front\" pos=\"1.35 -0.05 0.65\" xyaxes=\"0 1 0 -0.45 0 0.89\" fovy=\"50\"/>\n";
  s += "  <camera name=\"side\" pos=\"0.45 -1.35 0.8\" xyaxes=\"1 0 0 0 0.5 0.866\" fovy=\"50\"/>\n";
  s += with_wrist_camera(worldbody);
  s += "</worldbody>\n";
  if (!tendons.empty()) s += "<tendon>\n" + tendons + "</tendon>\n";
  if (!equalities.empty()) s += "<equality>\n" + equalities + "</equality>\n";
  if (!contacts.empty()) s += "<contact>\n" + contacts + "</contact>\n";
  if (!actuators.empty()) s += "<actuator>\n" + actuators + "</actuator>\n";
  if (!sensors.empty()) s += "<sensor>\n" + sensors + "</sensor>\n";
  s += "</mujoco>\n";
  return s;
}

}  // namespace ocres::sim
