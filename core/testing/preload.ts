// Loaded before every test file (bunfig.toml): tsyringe needs the Reflect metadata API.
import 'reflect-metadata';
